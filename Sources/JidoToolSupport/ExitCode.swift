/// The exit statuses of the package's tools, `jido-audit`, `jido-bench` and `jido-stress`: one meaning
/// per number in all three. A tool's main returns one, and its executable passes `rawValue` to `exit`.
public struct ExitCode: Sendable, Equatable {
    public let rawValue: Int32

    /// Nothing to report: `jido-audit` found nothing at or above the threshold (every file valid),
    /// `jido-stress` saw no violation, `jido-bench` measured what it was asked to.
    public static let success = ExitCode(rawValue: 0)
    /// Findings: for `jido-audit` a file that is not `valid`, a duplicated key, a rule that fired; for
    /// `jido-stress` a violation (a lost update, a torn read, a stale lock, ...); for `jido-bench verify`
    /// a file of the store that does not verify.
    public static let findings = ExitCode(rawValue: 1)
    /// The command line is wrong (`UsageError`).
    public static let usage = ExitCode(rawValue: 2)
    /// The tool could not do its work: no usable secret, an unreadable home, a store or a worker that
    /// cannot be opened or started, an I/O error.
    public static let cannotRun = ExitCode(rawValue: 3)
}
