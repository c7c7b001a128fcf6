import JidoAudit
import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `jido-session export ID`: a verified session, as its exact JSON (to `import` on another machine) or
/// as Markdown (to read or share).
struct ExportCommand: SessionSubcommand {
    static let spec = SessionCommandSpec.make(
        "export", "Print a session that verifies under this machine's key: its JSON exactly as stored, or Markdown.",
        options: [.flag("--markdown", "Print the conversation as Markdown instead of the session's JSON.")],
        argument: "ID",
        discussion: """
        The JSON is the stored file byte for byte (with this machine's signature, which no other machine can
        check): 'jido-session import' on the other machine signs it with that machine's key. Move a session
        this way, never by copying the file or the machine secret. In Markdown every control or invisible
        character is printed escaped (see README, "Output").
        \(SessionTarget.exitStatus)
        """)

    let target: SessionTarget
    let markdown: Bool

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        target = try SessionTarget(arguments, io: io)
        markdown = arguments.flag("--markdown")
    }

    func execute(_ io: CommandIO) throws(SessionCommandError) -> ExitCode {
        let (bytes, session) = try target.verified()
        // A verified file decoded as strict UTF-8: the string is its bytes.
        io.out(markdown ? Self.markdown(session) : String(decoding: bytes, as: UTF8.self))
        return .success
    }

    static func markdown(_ session: Session) -> String {
        var lines = [
            "# " + DisplayText.escape(session.name), "",
            "- id: `\(session.id)`",
            "- project: `" + DisplayText.escape(session.projectPath) + "`",
            "- updated: " + ListCommand.updated(session),
            "- messages: \(session.messageCount)",
        ]
        for message in session.conversation {
            let time = message.object["timestamp"]?.stringValue.map { DisplayText.escape($0) } ?? "-"
            lines += ["", "## \(message.role.rawValue) (\(time))", ""] + MessageText.lines(message.content)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
