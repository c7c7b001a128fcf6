import JidoAudit
package import JidoToolSupport

/// `<program> completions bash|zsh|fish`: the shell's completion script, made from the same declarations
/// as `--help`.
package struct CompletionsCommand<Tool: CommandLineTool>: Subcommand {
    package static var spec: CommandSpec {
        CommandSpec(
            name: "completions",
            summary: "Print the shell completion script for bash, zsh or fish.",
            options: [], positionalName: "bash|zsh|fish", minimumPositionals: 1, maximumPositionals: 1,
            discussion: """
            Installation, for example:
              bash: \(Tool.program) completions bash > ~/.local/share/bash-completion/completions/\(Tool.program)
              zsh:  \(Tool.program) completions zsh > ~/.zfunc/_\(Tool.program)  (with fpath=(~/.zfunc $fpath) before compinit)
              fish: \(Tool.program) completions fish > ~/.config/fish/completions/\(Tool.program).fish
            """)
    }

    let shell: CompletionScript.Shell

    package init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        let name = arguments.positionals[0]
        guard let shell = name.string.flatMap(CompletionScript.Shell.init(rawValue:)) else {
            throw UsageError("no completions for '\(DisplayText.escape(bytes: name.bytes))': the shells are bash, zsh and fish")
        }
        self.shell = shell
    }

    package func run(_ io: CommandIO) -> ExitCode {
        io.out(CompletionScript.render(shell, program: Tool.program, specs: Tool.commands.map { $0.spec },
                                       defaultCommand: Tool.defaultCommand.spec.name))
        return .success
    }
}
