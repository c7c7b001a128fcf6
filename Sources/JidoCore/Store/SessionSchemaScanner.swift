/// JidoCode's session schema checked directly on canonical bytes, without building the document.
///
/// For a file `CanonicalLayout` accepted (valid JSON, no duplicate keys, canonical escapes), this
/// pass answers what `Session(document:)` would when every rule holds: it returns the id and
/// `closed_at`. It returns nil when any rule fails or anything is unusual (an escaped value where a
/// raw one is compared, a version other than `1`); the caller then takes the exact path (decode,
/// then `Session(document:)`) for the precise error. Keys are compared as raw bytes (no hashing).
public enum SessionSchemaScanner {
    public struct Facts: Sendable, Equatable {
        public let id: SessionID
        public let closedAt: String?
    }

    /// Top-level keys: the first nine are required.
    static let topLevel: [[UInt8]] = ["version", "id", "name", "project_path", "created_at", "updated_at", "config",
                                      "conversation", "todos", "closed_at", "language", "cumulative_usage", "prompt_history"]
        .map { Array($0.utf8) }
    static let requiredCount = 9
    static let messageStrings: [[UInt8]] = ["id", "content", "timestamp"].map { Array($0.utf8) }
    static let todoStrings: [[UInt8]] = ["content", "active_form"].map { Array($0.utf8) }
    static let role = Array("role".utf8), status = Array("status".utf8)
    static let roles: [[UInt8]] = ["user", "assistant", "system", "tool"].map { Array($0.utf8) }
    static let statuses: [[UInt8]] = ["pending", "in_progress", "completed"].map { Array($0.utf8) }

    @inline(__always)
    static func index(of key: UnsafeRawBufferPointer, in table: [[UInt8]]) -> Int? {
        table.firstIndex { $0.count == key.count && $0.elementsEqual(key) }
    }

    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Facts? {
        var cursor = RawJSONCursor(bytes: bytes)
        var seen = 0
        var id: SessionID?
        var closedAt: String?
        let ok = cursor.members { key, cursor in
            guard let which = index(of: key, in: topLevel) else { return cursor.skipValue() }
            if which < requiredCount { seen += 1 }
            switch which {
            case 0: return cursor.literal("1")
            case 1:
                guard let raw = cursor.rawString() else { return false }
                id = SessionID(String(decoding: raw, as: UTF8.self))
                return id != nil
            case 9:
                guard let raw = cursor.rawString() else { return false }
                closedAt = String(decoding: raw, as: UTF8.self)
                return true
            case 2, 3, 4, 5, 10: return cursor.skipString()
            case 6, 11: return cursor.peek() == ASCII.openBrace && cursor.skipValue()
            case 12: return cursor.elements { $0.skipString() }
            case 7: return cursor.elements { record(&$0, strings: messageStrings, enumKey: role, allowed: roles) }
            default: return cursor.elements { record(&$0, strings: todoStrings, enumKey: status, allowed: statuses) }
            }
        }
        cursor.skipWhitespace()
        // Canonical input has no duplicate keys, so counting the required keys seen is exact.
        guard ok, cursor.atEnd, seen == requiredCount, let id else { return nil }
        return Facts(id: id, closedAt: closedAt)
    }

    public static func scan(_ bytes: [UInt8]) -> Facts? { bytes.withUnsafeBytes { scan($0) } }

    /// An object with every key of `strings` holding a string and `enumKey` one of `allowed`.
    static func record(_ cursor: inout RawJSONCursor, strings: [[UInt8]], enumKey: [UInt8], allowed: [[UInt8]]) -> Bool {
        var found = 0
        var enumOK = false
        let ok = cursor.members { key, cursor in
            if index(of: key, in: strings) != nil {
                found += 1
                return cursor.skipString()
            }
            if key.count == enumKey.count, key.elementsEqual(enumKey) {
                guard let raw = cursor.rawString() else { return false }
                enumOK = index(of: raw, in: allowed) != nil
                return true
            }
            return cursor.skipValue()
        }
        return ok && found == strings.count && enumOK
    }
}
