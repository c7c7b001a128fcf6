/// The documented exit statuses of `jido-audit`.
public struct ExitCode: Sendable, Equatable {
    public let rawValue: Int32

    /// Nothing to report (every file valid, no finding at or above the threshold).
    public static let success = ExitCode(rawValue: 0)
    /// Findings: a file that is not `valid`, a duplicated key, a rule that fired.
    public static let findings = ExitCode(rawValue: 1)
    /// The command line is wrong.
    public static let usage = ExitCode(rawValue: 2)
    /// The check could not run (no usable secret, unreadable home, ...).
    public static let cannotRun = ExitCode(rawValue: 3)
}

/// Where a command writes: data to `out`, diagnostics to `err`; captured in tests.
public struct CommandIO: Sendable {
    public var environment: [String: String]
    public var writeOut: @Sendable (String) -> Void
    public var writeErr: @Sendable (String) -> Void
    public var stdoutIsTerminal: Bool
    public var stderrIsTerminal: Bool

    public init(environment: [String: String], writeOut: @escaping @Sendable (String) -> Void,
                writeErr: @escaping @Sendable (String) -> Void, stdoutIsTerminal: Bool = false, stderrIsTerminal: Bool = false) {
        self.environment = environment
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
    }

    func out(_ text: String) { writeOut(text) }
    func err(_ text: String) { writeErr(text) }
}

/// One subcommand: its spec (options, help), parsing into the command's own properties, and `run`.
protocol Subcommand {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError)
    func run(_ io: CommandIO) -> ExitCode
}
