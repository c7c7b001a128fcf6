package import JidoToolSupport

/// `<program> man`: the manual page in roff, made from the same declarations as `--help`.
package struct ManCommand<Tool: CommandLineTool>: Subcommand {
    package static var spec: CommandSpec {
        CommandSpec(
            name: "man",
            summary: "Print the manual page (roff): \(Tool.program) man | man -l -",
            options: [], positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
            discussion: "Installation, for example: \(Tool.program) man > /usr/local/share/man/man1/\(Tool.program).1")
    }

    package init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {}

    package func run(_ io: CommandIO) -> ExitCode {
        io.out(Tool.manPage)
        return .success
    }
}
