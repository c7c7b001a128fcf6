import JidoAudit
public import JidoCore
public import JidoToolSupport

/// `jido-audit`'s root command: check a machine's JidoCode data. It holds only the list of subcommands.
public enum JidoAuditCommand {
    static var commands: [any Subcommand.Type] {
        [AuditCommand.self, VerifyCommand.self, CanonicalCommand.self, BaselineCommand.self, KeyCommand.self,
         CompletionsCommand.self, ManCommand.self, RotateSecretCommand.self]
    }

    static let program = "jido-audit"
    static let tagline = "check JidoCode session stores (signatures, permissions, integrity)"
    static let exitStatus = [
        "Exit status: 0 nothing at or above --fail-on (default: warning; notes alone exit 0), 1 findings,",
        "2 usage error, 3 could not run (or its output could not be written).",
    ]

    /// The manual page: every subcommand's spec, then what the root help and README add.
    static var manPage: String {
        ManPage.render(program: program, version: JidoCore.version, tagline: tagline, specs: commands.map { $0.spec },
                       defaultCommand: AuditCommand.spec.name, sections: [
            .init(title: "Exit status", paragraphs: [exitStatus.joined(separator: "\n")]),
            .init(title: "Environment", paragraphs: [
                "JIDO_HOME, then HOME: the home directory whose .jido_code/ is audited when --home is not given (an empty variable counts as unset).",
                "NO_COLOR: when set and not empty, text output has no colour.",
            ]),
            .init(title: "Files", paragraphs: [
                "~/.jido_code/machine_secret, ~/.jido_code/sessions/<uuid>.json, ~/.jido_code/locks/: JidoCode's data, read, never written unless --fix or rotate-secret (which also writes rotation-journal, machine_secret.next and machine_secret.retired-<UTC> there).",
            ]),
            .init(title: "See also", paragraphs: ["README.md of JidoGuard: the rules table (one anchor per rule id), output formats, baselines."]),
        ])
    }

    static var rootHelp: String {
        var lines = [
            "\(program) \(JidoCore.version): \(tagline).",
            "",
            "Usage: jido-audit [<subcommand>] [options]   (no subcommand: audit)",
            "",
            "Subcommands:",
        ]
        let width = (commands.map { $0.spec.name.count }.max() ?? 0) + 2
        for command in commands { lines.append("  " + command.spec.name.padding(to: width) + command.spec.summary) }
        lines += ["", "Run 'jido-audit <subcommand> --help' for its options."] + exitStatus
        return lines.joined(separator: "\n") + "\n"
    }

    /// The process entry point: runs `arguments` (the bytes of each, as `argv` holds them: a path
    /// need not be UTF-8) with the real standard streams and environment. A
    /// failed write to standard output or error (closed pipe, full disk, closed descriptor) never
    /// traps: the command finishes, the failure is reported in one line on standard error (if it can
    /// still be written) and the status is 3. SIGPIPE is ignored so that a closed pipe is such a
    /// failure, not a silent death.
    public static func runAsProcess(_ arguments: [[UInt8]], environment: [String: String],
                                    pathVariables: [String: PathBytes] = [:]) -> ExitCode {
        StandardStream.ignoreBrokenPipeSignal()
        let out = StandardStream.output, err = StandardStream.error
        let io = CommandIO(environment: environment, writeOut: { out.write($0) }, writeErr: { err.write($0) },
                           stdoutIsTerminal: out.isTerminal, stderrIsTerminal: err.isTerminal, pathVariables: pathVariables)
        let status = main(arguments: arguments, io: io)
        for stream in [out, err] {
            if let failure = stream.firstFailure {
                err.write("jido-audit: cannot write to \(stream.name): \(failure)\n")
                return .cannotRun
            }
        }
        return status
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit status.
    public static func main(_ arguments: [String], io: CommandIO) -> ExitCode {
        main(arguments: arguments.map { Array($0.utf8) }, io: io)
    }

    /// `main` for the bytes of each argument: option names and text values must be UTF-8, paths
    /// (`--home`, `--secret-file`, `--output`, `--baseline`, `--write`, files) may be any bytes.
    public static func main(arguments: [[UInt8]], io: CommandIO) -> ExitCode {
        // No subcommand (nothing, or options only): audit.
        guard let firstBytes = arguments.first,
              !(firstBytes.first == UInt8(ascii: "-") && ![Array("-h".utf8), Array("--help".utf8), Array("--version".utf8)].contains(firstBytes))
        else {
            return run(AuditCommand.self, arguments, io: io)
        }
        let first = String(decoding: firstBytes, as: UTF8.self)
        switch first {
        case "-h", "--help", "help":
            io.out(rootHelp)
            return .success
        case "--version":
            io.out("jido-audit \(JidoCore.version)\n")
            return .success
        default:
            break
        }
        guard let command = commands.first(where: { Array($0.spec.name.utf8) == firstBytes }) else {
            io.err("jido-audit: unknown subcommand '\(DisplayText.escape(bytes: firstBytes))'\n\n" + rootHelp)
            return .usage
        }
        return run(command, Array(arguments.dropFirst()), io: io)
    }

    private static func run(_ command: any Subcommand.Type, _ arguments: [[UInt8]], io: CommandIO) -> ExitCode {
        do throws(UsageError) {
            let parsed = try ArgumentParser.parse(arguments, spec: command.spec)
            if parsed.wantsHelp {
                io.out(command.spec.help)
                return .success
            }
            return try command.init(parsed, io: io).run(io)
        } catch {
            io.err("jido-audit \(command.spec.name): \(error.message)\nUsage: \(command.spec.usage)\n")
            return .usage
        }
    }
}
