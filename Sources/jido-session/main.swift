import Foundation
import Glibc
import JidoCommandLine
import JidoSessionCLI
import JidoCore

/// The bytes of a C string of the process (an argument or a variable), unrepaired: `CommandLine.arguments`
/// and `ProcessInfo` turn bytes that are not UTF-8 into U+FFFD, which names another file.
func bytes(_ text: UnsafePointer<CChar>) -> [UInt8] { Array(UnsafeRawBufferPointer(start: text, count: strlen(text))) }

let arguments = (1..<Int(CommandLine.argc)).map { CommandLine.unsafeArgv[$0].map { bytes($0) } ?? [] }
var pathVariables: [String: PathBytes] = [:]
for name in ["HOME", "JIDO_HOME"] {
    if let value = getenv(name) { pathVariables[name] = PathBytes(bytes: bytes(value)) }
}
exit(JidoSessionCommand.runProcess(arguments, environment: ProcessInfo.processInfo.environment, pathVariables: pathVariables).rawValue)
