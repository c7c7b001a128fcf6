import JidoAudit
package import JidoCore
package import JidoToolSupport

/// A command-line tool of the package (`jido-audit`, `jido-session`): its root holds only configuration
/// (name, subcommands, the one run without a subcommand, exit statuses, man page sections); parsing, help,
/// `--version`, the usage error and the standard streams are handled here once, the same way for every tool.
package protocol CommandLineTool {
    static var program: String { get }
    static var tagline: String { get }
    static var commands: [any Subcommand.Type] { get }
    /// Run when the command line names no subcommand (nothing, or options only).
    static var defaultCommand: any Subcommand.Type { get }
    /// The lines of the exit status paragraph (root help and man page).
    static var exitStatus: [String] { get }
    /// The man page's sections after the commands and the exit status.
    static var manSections: [ManPage.Section] { get }
}

extension CommandLineTool {
    /// The manual page: every subcommand's spec, the exit status, then the tool's own sections.
    package static var manPage: String {
        ManPage.render(program: program, version: JidoCore.version, tagline: tagline, specs: commands.map { $0.spec },
                       defaultCommand: defaultCommand.spec.name,
                       sections: [ManPage.Section(title: "Exit status", paragraphs: [exitStatus.joined(separator: "\n")])]
                           + manSections)
    }

    package static var rootHelp: String {
        var lines = [
            "\(program) \(JidoCore.version): \(tagline).",
            "",
            "Usage: \(program) [<subcommand>] [options]   (no subcommand: \(defaultCommand.spec.name))",
            "",
            "Subcommands:",
        ]
        let width = (commands.map { $0.spec.name.count }.max() ?? 0) + 2
        for command in commands { lines.append("  " + command.spec.name.padding(to: width) + command.spec.summary) }
        lines += ["", "Run '\(program) <subcommand> --help' for its options."] + exitStatus
        return lines.joined(separator: "\n") + "\n"
    }

    /// The process entry point: runs `arguments` (the bytes of each, as `argv` holds them: a path
    /// need not be UTF-8) with the real standard streams and environment. A
    /// failed write to standard output or error (closed pipe, full disk, closed descriptor) never
    /// traps: the command finishes, the failure is reported in one line on standard error (if it can
    /// still be written) and the status is 3. SIGPIPE is ignored so that a closed pipe is such a
    /// failure, not a silent death.
    package static func runProcess(_ arguments: [[UInt8]], environment: [String: String],
                                   pathVariables: [String: PathBytes]) -> ExitCode {
        StandardStream.ignoreBrokenPipeSignal()
        let out = StandardStream.output, err = StandardStream.error
        let io = CommandIO(environment: environment, writeOut: { out.write($0) }, writeErr: { err.write($0) },
                           stdoutIsTerminal: out.isTerminal, stderrIsTerminal: err.isTerminal, pathVariables: pathVariables)
        let status = run(arguments: arguments, io: io)
        for stream in [out, err] {
            if let failure = stream.firstFailure {
                err.write("\(program): cannot write to \(stream.name): \(failure)\n")
                return .cannotRun
            }
        }
        return status
    }

    /// Runs the command line `arguments` (without the program name, each as bytes: option names and text
    /// values must be UTF-8, paths may be any bytes) and returns the exit status.
    package static func run(arguments: [[UInt8]], io: CommandIO) -> ExitCode {
        // No subcommand (nothing, or options only): the default command.
        guard let firstBytes = arguments.first,
              !(firstBytes.first == UInt8(ascii: "-") && ![Array("-h".utf8), Array("--help".utf8), Array("--version".utf8)].contains(firstBytes))
        else {
            return run(defaultCommand, arguments, io: io)
        }
        let first = String(decoding: firstBytes, as: UTF8.self)
        switch first {
        case "-h", "--help", "help":
            io.out(rootHelp)
            return .success
        case "--version":
            io.out("\(program) \(JidoCore.version)\n")
            return .success
        default:
            break
        }
        guard let command = commands.first(where: { Array($0.spec.name.utf8) == firstBytes }) else {
            io.err("\(program): unknown subcommand '\(DisplayText.escape(bytes: firstBytes))'\n\n" + rootHelp)
            return .usage
        }
        return run(command, Array(arguments.dropFirst()), io: io)
    }

    private static func run(_ command: any Subcommand.Type, _ arguments: [[UInt8]], io: CommandIO) -> ExitCode {
        do throws(UsageError) {
            let parsed = try ArgumentParser.parse(arguments, spec: command.spec)
            if parsed.wantsHelp {
                io.out(command.spec.help(program: program))
                return .success
            }
            return try command.init(parsed, io: io).run(io)
        } catch {
            io.err("\(program) \(command.spec.name): \(error.message)\nUsage: \(command.spec.usage(program: program))\n")
            return .usage
        }
    }
}
