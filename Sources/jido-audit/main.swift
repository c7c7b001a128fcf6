import Foundation
import Glibc
import JidoAuditCLI

exit(JidoAuditCommand.runAsProcess(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment).rawValue)
