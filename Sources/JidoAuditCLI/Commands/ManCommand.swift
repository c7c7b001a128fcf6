import JidoToolSupport

/// `jido-audit man`: the manual page in roff, made from the same declarations as `--help`.
struct ManCommand: Subcommand {
    static let spec = CommandSpec(
        name: "man",
        summary: "Print the manual page (roff): jido-audit man | man -l -",
        options: [], positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
        discussion: "Installation, for example: jido-audit man > /usr/local/share/man/man1/jido-audit.1")

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {}

    func run(_ io: CommandIO) -> ExitCode {
        io.out(JidoAuditCommand.manPage)
        return .success
    }
}
