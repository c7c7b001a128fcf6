public import JidoCore
package import JidoToolSupport

/// Where a command writes: data to `out`, diagnostics to `err`; captured in tests.
public struct CommandIO: Sendable {
    public var environment: [String: String]
    /// Variables that name a path (`HOME`, `JIDO_HOME`), byte for byte: they need not be UTF-8, and
    /// `environment` would have repaired them. Looked up before `environment`.
    public var pathVariables: [String: PathBytes]
    public var writeOut: @Sendable (String) -> Void
    public var writeErr: @Sendable (String) -> Void
    public var stdoutIsTerminal: Bool
    public var stderrIsTerminal: Bool

    public init(environment: [String: String], writeOut: @escaping @Sendable (String) -> Void,
                writeErr: @escaping @Sendable (String) -> Void, stdoutIsTerminal: Bool = false, stderrIsTerminal: Bool = false,
                pathVariables: [String: PathBytes] = [:]) {
        self.environment = environment
        self.pathVariables = pathVariables
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.stdoutIsTerminal = stdoutIsTerminal
        self.stderrIsTerminal = stderrIsTerminal
    }

    package func out(_ text: String) { writeOut(text) }
    package func err(_ text: String) { writeErr(text) }
}

/// One subcommand: its spec (options, help), parsing into the command's own properties, and `run`.
package protocol Subcommand {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError)
    func run(_ io: CommandIO) -> ExitCode
}
