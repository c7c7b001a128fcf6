import Foundation
import Glibc
import JidoAuditCLI

let io = CommandIO(
    environment: ProcessInfo.processInfo.environment,
    writeOut: { FileHandle.standardOutput.write(Data($0.utf8)) },
    writeErr: { FileHandle.standardError.write(Data($0.utf8)) },
    stdoutIsTerminal: isatty(STDOUT_FILENO) == 1,
    stderrIsTerminal: isatty(STDERR_FILENO) == 1)
exit(JidoAuditCommand.main(Array(CommandLine.arguments.dropFirst()), io: io).rawValue)
