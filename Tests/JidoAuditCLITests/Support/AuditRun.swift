import JidoTestSupport
@testable import JidoAuditCLI

/// Runs `jido-audit` in process with `arguments` and a controlled environment.
func audit(_ arguments: [String], environment: [String: String] = [:]) -> CLIRun {
    audit(bytes: arguments.map { Array($0.utf8) }, environment: environment)
}

/// `audit` with each argument given as bytes, as `argv` holds them (a path need not be UTF-8).
func audit(bytes arguments: [[UInt8]], environment: [String: String] = [:]) -> CLIRun {
    runInProcess(JidoAuditCommand.self, bytes: arguments, environment: environment)
}
