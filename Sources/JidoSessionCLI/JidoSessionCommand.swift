public import JidoCommandLine

/// `jido-session`'s root command: the session files themselves (list, read, move between machines). It
/// holds only the list of subcommands; `jido-audit` checks the store.
public enum JidoSessionCommand: CommandLineTool {
    package static var commands: [any Subcommand.Type] {
        [ListCommand.self, ShowCommand.self, ExportCommand.self, ImportCommand.self, CompletionsCommand.self, ManCommand.self]
    }

    package static let program = "jido-session"
    package static let tagline = "list, read, export and import JidoCode sessions"
    package static let exitStatus = [
        "Exit status: 0 done, 1 a session or FILE that does not verify or is refused, 2 usage error,",
        "3 could not run (no such session, no usable key, an unreadable store, or output that could not be written).",
    ]
    package static var defaultCommand: any Subcommand.Type { ListCommand.self }

    package static var manSections: [ManPage.Section] {
        [
            .init(title: "Environment", paragraphs: [
                "JIDO_HOME, then HOME: the home directory whose .jido_code/ is used when --home is not given (an empty variable counts as unset).",
            ]),
            .init(title: "Files", paragraphs: [
                "~/.jido_code/machine_secret (read, never created), ~/.jido_code/sessions/<uuid>.json (written only by import), ~/.jido_code/locks/.",
            ]),
            .init(title: "See also", paragraphs: ["jido-audit(1); README.md of JidoGuard, \"Moving a session to another machine\"."]),
        ]
    }

    typealias CompletionsCommand = JidoCommandLine.CompletionsCommand<JidoSessionCommand>
    typealias ManCommand = JidoCommandLine.ManCommand<JidoSessionCommand>
}
