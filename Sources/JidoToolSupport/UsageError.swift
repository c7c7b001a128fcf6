/// A command line the tool cannot run with; the tools report `message` with their usage text and exit
/// with `ExitCode.usage` (2).
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
