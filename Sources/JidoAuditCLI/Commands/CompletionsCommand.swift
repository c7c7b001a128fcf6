import JidoAudit
import JidoToolSupport

/// `jido-audit completions bash|zsh|fish`: the shell's completion script, made from the same declarations
/// as `--help`.
struct CompletionsCommand: Subcommand {
    static let spec = CommandSpec(
        name: "completions",
        summary: "Print the shell completion script for bash, zsh or fish.",
        options: [], positionalName: "bash|zsh|fish", minimumPositionals: 1, maximumPositionals: 1,
        discussion: """
        Installation, for example:
          bash: jido-audit completions bash > ~/.local/share/bash-completion/completions/jido-audit
          zsh:  jido-audit completions zsh > ~/.zfunc/_jido-audit  (with fpath=(~/.zfunc $fpath) before compinit)
          fish: jido-audit completions fish > ~/.config/fish/completions/jido-audit.fish
        """)

    let shell: CompletionScript.Shell

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        let name = arguments.positionals[0]
        guard let shell = name.string.flatMap(CompletionScript.Shell.init(rawValue:)) else {
            throw UsageError("no completions for '\(DisplayText.escape(bytes: name.bytes))': the shells are bash, zsh and fish")
        }
        self.shell = shell
    }

    func run(_ io: CommandIO) -> ExitCode {
        io.out(CompletionScript.render(shell, program: JidoAuditCommand.program, specs: JidoAuditCommand.commands.map { $0.spec },
                                       defaultCommand: AuditCommand.spec.name))
        return .success
    }
}
