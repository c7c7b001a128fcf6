import Foundation
import Glibc
import JidoCommandLine

/// Captured output of one in-process run of a command-line tool (`jido-audit`, `jido-session`).
public struct CLIRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public final class OutputBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    public init() {}
    public func append(_ s: String) { lock.withLock { text += s } }
    public var value: String { lock.withLock { text } }
}

/// Runs `Tool` in process with each argument given as bytes, as `argv` holds them (a path need not be
/// UTF-8), and a controlled environment; standard output and error are captured.
package func runInProcess<Tool: CommandLineTool>(_ tool: Tool.Type, bytes arguments: [[UInt8]],
                                                 environment: [String: String] = [:]) -> CLIRun {
    let out = OutputBuffer(), err = OutputBuffer()
    let io = CommandIO(environment: environment, writeOut: { out.append($0) }, writeErr: { err.append($0) })
    let code = Tool.run(arguments: arguments, io: io)
    return CLIRun(status: code.rawValue, stdout: out.value, stderr: err.value)
}

/// A copy of a vector store under a temporary home, with JidoCode's real modes (0755 dirs,
/// 0644 sessions, 0600 secret); returns the home path.
public func copyVectorStore(_ store: String, into root: String) throws -> String {
    let source = try TestVectors.directory().appendingPathComponent("\(store)/home/.jido_code")
    let data = root + "/.jido_code"
    try FileManager.default.createDirectory(atPath: data + "/sessions", withIntermediateDirectories: true)
    chmod(data, 0o755)
    chmod(data + "/sessions", 0o755)
    try writeFile(data + "/machine_secret", TestVectors.readBytes(source.appendingPathComponent("machine_secret")), mode: 0o600)
    for name in try FileManager.default.contentsOfDirectory(atPath: source.path + "/sessions") {
        try writeFile(data + "/sessions/" + name, TestVectors.readBytes(source.appendingPathComponent("sessions/" + name)), mode: 0o644)
    }
    return root
}
