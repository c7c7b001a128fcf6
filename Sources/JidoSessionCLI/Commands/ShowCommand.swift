import JidoAudit
import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `jido-session show ID`: a verified session's conversation as readable text, one page at a time.
struct ShowCommand: SessionSubcommand {
    static let spec = SessionCommandSpec.make(
        "show", "Show a session's conversation as text (only a session that verifies under this machine's key).",
        options: [.value("--offset", "N", "First message shown, counting from 0 (default: 0)."),
                  .value("--limit", "N", "Most messages shown (default: 100, at most 10000).")],
        argument: "ID",
        discussion: """
        Every control or invisible character of the session (in names, paths, roles, timestamps and
        message text) is printed escaped as in every output of these tools (see README, "Output"); each line
        of a message is indented by four spaces, so no content can pass for a header.
        \(SessionTarget.exitStatus)
        """)

    let target: SessionTarget
    let offset: Int
    let limit: Int

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        target = try SessionTarget(arguments, io: io)
        offset = try ArgumentParser.integer(arguments, "--offset", default: 0, in: 0...Int(Int32.max))
        limit = try ArgumentParser.integer(arguments, "--limit", default: 100, in: 1...10_000)
    }

    func execute(_ io: CommandIO) throws(SessionCommandError) -> ExitCode {
        let session = try target.verified().session
        io.out(Self.render(session, offset: offset, limit: limit))
        return .success
    }

    static func render(_ session: Session, offset: Int, limit: Int) -> String {
        let page = session.conversationPage(offset: offset, limit: limit)
        let total = session.messageCount
        let shown = page.isEmpty ? "none" : "\(offset + 1)-\(offset + page.count)"
        var lines = [
            "session   \(session.id)",
            "name      \(DisplayText.escape(session.name))",
            "project   \(DisplayText.escape(session.projectPath))",
            "updated   \(ListCommand.updated(session))",
            "messages  \(total) (showing \(shown))",
        ]
        for message in page {
            let time = message.object["timestamp"]?.stringValue.map { DisplayText.escape($0) } ?? "-"
            lines += ["", "[\(time)] \(message.role.rawValue):"]
            lines += MessageText.lines(message.content).map { "    " + $0 }
        }
        if offset + page.count < total {
            lines += ["", "(\(total - offset - page.count) more: --offset \(offset + page.count))"]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A message's text for display: split at line feeds (kept as line breaks), each line escaped
/// (`DisplayText`: every other control or invisible character, a carriage return included, is shown).
enum MessageText {
    static func lines(_ text: String) -> [String] {
        // Split by scalars, not characters: "\r\n" is one character, and its "\r" must show.
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { DisplayText.escape(String(String.UnicodeScalarView($0))) }
    }
}
