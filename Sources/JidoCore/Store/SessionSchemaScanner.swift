/// JidoCode's session schema checked directly on canonical bytes, without building the document.
///
/// For a file `CanonicalLayout` accepted (valid JSON, no duplicate keys, canonical escapes), this
/// pass answers what `Session(document:)` would when every rule holds: it returns the id and
/// `closed_at`. It returns nil when any rule fails or anything is unusual (an escaped value where a
/// raw one is compared, a version other than `1`); the caller then takes the exact path (decode,
/// then `Session(document:)`) for the precise error.
public enum SessionSchemaScanner {
    public struct Facts: Sendable, Equatable {
        public let id: SessionID
        public let closedAt: String?
    }

    static let required: Set<String> = ["version", "id", "name", "project_path", "created_at", "updated_at", "config",
                                        "conversation", "todos"]
    static let roles: [[UInt8]] = ["user", "assistant", "system", "tool"].map { Array($0.utf8) }
    static let statuses: [[UInt8]] = ["pending", "in_progress", "completed"].map { Array($0.utf8) }

    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Facts? {
        var cursor = RawJSONCursor(bytes: bytes)
        var seen = Set<String>()
        var id: SessionID?
        var closedAt: String?
        let ok = cursor.members { key, cursor in
            if required.contains(key) { seen.insert(key) }
            switch key {
            case "version": return cursor.literal("1")
            case "id":
                guard let raw = cursor.rawString() else { return false }
                id = SessionID(String(decoding: raw, as: UTF8.self))
                return id != nil
            case "name", "project_path", "created_at", "updated_at", "language":
                return cursor.skipString()
            case "closed_at":
                guard let raw = cursor.rawString() else { return false }
                closedAt = String(decoding: raw, as: UTF8.self)
                return true
            case "config", "cumulative_usage":
                return cursor.peek() == ASCII.openBrace && cursor.skipValue()
            case "prompt_history":
                return cursor.elements { $0.skipString() }
            case "conversation":
                return cursor.elements { record(&$0, strings: ["id", "content", "timestamp"], enumKey: "role", allowed: roles) }
            case "todos":
                return cursor.elements { record(&$0, strings: ["content", "active_form"], enumKey: "status", allowed: statuses) }
            default:
                return cursor.skipValue()
            }
        }
        cursor.skipWhitespace()
        guard ok, cursor.atEnd, seen.count == required.count, let id else { return nil }
        return Facts(id: id, closedAt: closedAt)
    }

    public static func scan(_ bytes: [UInt8]) -> Facts? { bytes.withUnsafeBytes { scan($0) } }

    /// An object with every key of `strings` holding a string and `enumKey` one of `allowed`.
    static func record(_ cursor: inout RawJSONCursor, strings: Set<String>, enumKey: String, allowed: [[UInt8]]) -> Bool {
        var found = 0
        var enumOK = false
        let ok = cursor.members { key, cursor in
            if strings.contains(key) {
                found += 1
                return cursor.skipString()
            }
            if key == enumKey {
                guard let raw = cursor.rawString() else { return false }
                enumOK = allowed.contains { $0.elementsEqual(raw) }
                return true
            }
            return cursor.skipValue()
        }
        return ok && found == strings.count && enumOK
    }
}
