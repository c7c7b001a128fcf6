import Foundation
import JidoAudit
import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `jido-session list`: every stored session with its verdict under this machine's key.
struct ListCommand: SessionSubcommand {
    static let spec = SessionCommandSpec.make(
        "list", "List the stored sessions: id, name, project, last update, message count and signature verdict.",
        options: [.value("--format", "text|json", "Output format (default: text).")], argument: nil,
        discussion: """
        Sessions are read, never written: nothing is created (no data, sessions or locks directory). Name,
        project and dates are the file's own content, shown whatever the verdict: only a valid session's
        content is what this machine signed. Newest update first. Names and paths are printed escaped
        (see README, "Output").
        Exit status: 0 when every session is valid, 1 otherwise (or a file could not be read),
        2 usage error, 3 no usable key, an unreadable store, or output that could not be written.
        """)

    let context: SessionKeyContext
    let json: Bool

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        context = try SessionKeyContext(arguments, io: io)
        json = try ArgumentParser.choice(arguments, "--format", ["text", "json"], default: "text") == "json"
    }

    /// One line of the listing: a session, or a file that could not be read (`detail` says why).
    struct Row {
        var id: SessionID
        var verdict: String
        var session: Session?
        var detail: String?
    }

    func execute(_ io: CommandIO) throws(SessionCommandError) -> ExitCode {
        let signing = try context.signingKey()
        let directory = try context.directory()
        var rows: [Row] = []
        for id in try directory.ids() {
            do throws(FileReadProblem) {
                // Removed since the listing: not a session any more.
                guard let bytes = try directory.read(id) else { continue }
                let entry = SessionEntry(id: id, bytes: bytes, key: signing.key, orders: context.orders)
                rows.append(Row(id: id, verdict: entry.verification.verdict.rawValue, session: entry.session,
                                detail: entry.session == nil ? entry.problem : nil))
            } catch {
                rows.append(Row(id: id, verdict: "unreadable", session: nil, detail: error.description))
            }
        }
        let never = -Double.infinity
        rows.sort { ($0.session?.updatedAt?.timeIntervalSince1970 ?? never, $1.id) > ($1.session?.updatedAt?.timeIntervalSince1970 ?? never, $0.id) }
        io.out(json ? Self.renderJSON(rows, hostname: signing.hostname) : Self.renderText(rows, hostname: signing.hostname))
        return rows.allSatisfy { $0.verdict == SignatureVerdict.valid.rawValue } ? .success : .findings
    }

    /// The file's `updated_at` as written (escaped), or `-`.
    static func updated(_ session: Session?) -> String {
        session?.document["updated_at"]?.stringValue.map { DisplayText.escape($0) } ?? "-"
    }

    static func renderText(_ rows: [Row], hostname: String) -> String {
        var lines = ["ID                                    VERDICT         MESSAGES  UPDATED                      NAME / PROJECT"]
        for row in rows {
            let count = row.session.map { String($0.messageCount) } ?? "-"
            var line = row.id.rawValue.padding(to: 38) + row.verdict.padding(to: 16) + count.padding(to: 10)
                + updated(row.session).padding(to: 29)
            if let session = row.session {
                line += DisplayText.escape(session.name) + "  (" + DisplayText.escape(session.projectPath) + ")"
            }
            if let detail = row.detail { line += DisplayText.escape(detail) }
            lines.append(line)
        }
        let valid = rows.filter { $0.verdict == SignatureVerdict.valid.rawValue }.count
        lines.append("\(rows.count) session\(rows.count == 1 ? "" : "s"), \(valid) valid (hostname \(DisplayText.escape(hostname).debugDescription))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{hostname, sessions: [{id, verdict, name, project_path, updated_at, message_count, detail}]}`; text
    /// escaped as in the text output; members a file does not provide are null.
    static func renderJSON(_ rows: [Row], hostname: String) -> String {
        func text(_ value: String?) -> JSONValue { value.map { .string(DisplayText.escape($0)) } ?? .null }
        let sessions = rows.map { row -> JSONValue in
            .object(JSONObject([
                ("id", .string(row.id.rawValue)),
                ("verdict", .string(row.verdict)),
                ("name", text(row.session?.name)),
                ("project_path", text(row.session?.projectPath)),
                ("updated_at", text(row.session?.document["updated_at"]?.stringValue)),
                ("message_count", row.session.map { .integer(JSONInteger($0.messageCount)) } ?? .null),
                ("detail", text(row.detail)),
            ]))
        }
        return JSONText.render(.object(JSONObject([("hostname", .string(DisplayText.escape(hostname))), ("sessions", .array(sessions))])))
    }
}
