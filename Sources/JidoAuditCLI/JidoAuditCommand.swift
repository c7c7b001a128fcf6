import JidoAudit
public import JidoCommandLine
public import JidoCore
public import JidoToolSupport

/// `jido-audit`'s root command: check a machine's JidoCode data. It holds only the list of subcommands.
public enum JidoAuditCommand: CommandLineTool {
    package static var commands: [any Subcommand.Type] {
        [AuditCommand.self, VerifyCommand.self, CanonicalCommand.self, BaselineCommand.self, KeyCommand.self,
         CompletionsCommand.self, ManCommand.self, RotateSecretCommand.self]
    }

    package static let program = "jido-audit"
    package static let tagline = "check JidoCode session stores (signatures, permissions, integrity)"
    package static let exitStatus = [
        "Exit status: 0 nothing at or above --fail-on (default: warning; notes alone exit 0), 1 findings,",
        "2 usage error, 3 could not run (or its output could not be written).",
    ]
    package static var defaultCommand: any Subcommand.Type { AuditCommand.self }

    /// The man page's sections after the exit status: what the root help and README add.
    package static var manSections: [ManPage.Section] {
        [
            .init(title: "Environment", paragraphs: [
                "JIDO_HOME, then HOME: the home directory whose .jido_code/ is audited when --home is not given (an empty variable counts as unset).",
                "NO_COLOR: when set and not empty, text output has no colour.",
            ]),
            .init(title: "Files", paragraphs: [
                "~/.jido_code/machine_secret, ~/.jido_code/sessions/<uuid>.json, ~/.jido_code/locks/: JidoCode's data, read, never written unless --fix or rotate-secret (which also writes rotation-journal, machine_secret.next and machine_secret.retired-<UTC> there).",
            ]),
            .init(title: "See also", paragraphs: ["README.md of JidoGuard: the rules table (one anchor per rule id), output formats, baselines."]),
        ]
    }

    typealias CompletionsCommand = JidoCommandLine.CompletionsCommand<JidoAuditCommand>
    typealias ManCommand = JidoCommandLine.ManCommand<JidoAuditCommand>

    /// The process entry point (`CommandLineTool.runProcess`): the real standard streams and environment;
    /// a failed write to them is status 3, never a trap.
    public static func runAsProcess(_ arguments: [[UInt8]], environment: [String: String],
                                    pathVariables: [String: PathBytes] = [:]) -> ExitCode {
        runProcess(arguments, environment: environment, pathVariables: pathVariables)
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit status.
    public static func main(_ arguments: [String], io: CommandIO) -> ExitCode {
        main(arguments: arguments.map { Array($0.utf8) }, io: io)
    }

    /// `main` for the bytes of each argument: option names and text values must be UTF-8, paths
    /// (`--home`, `--secret-file`, `--output`, `--baseline`, `--write`, files) may be any bytes.
    public static func main(arguments: [[UInt8]], io: CommandIO) -> ExitCode {
        run(arguments: arguments, io: io)
    }
}
