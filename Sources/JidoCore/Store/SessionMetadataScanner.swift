/// Reads `id`, `name`, `project_path`, `updated_at` and `closed_at` from a session file without building the
/// document: one pass over the top-level object that skips every other value (`RawJSONCursor`).
/// It is not a validator and answers nil for anything it cannot make sense of; `load` checks.
package enum SessionMetadataScanner {
    static let wanted: Set<String> = ["id", "name", "project_path", "updated_at", "closed_at"]

    package static func scan(_ bytes: [UInt8], expected id: SessionID) -> SessionMetadata? {
        bytes.withUnsafeBytes { buffer in
            var cursor = RawJSONCursor(bytes: buffer)
            var found: [String: String] = [:]
            var seen: Set<String> = []
            let ok = cursor.members { rawKey, cursor in
                let key = String(decoding: rawKey, as: UTF8.self)
                // The first occurrence of a key wins, as in JidoCode, also when it is not a string (a
                // later duplicate is never read in its place).
                guard wanted.contains(key), seen.insert(key).inserted, cursor.peek() == ASCII.quote else { return cursor.skipValue() }
                guard let token = cursor.stringToken(),
                      let value = (try? StrictJSONDecoder().decode(UnsafeRawBufferPointer(rebasing: buffer[token])))?.value.stringValue
                else { return false }
                found[key] = value
                return true
            }
            guard ok, let idText = found["id"], SessionID(idText) == id,
                  let name = found["name"], let projectPath = found["project_path"] else { return nil }
            return SessionMetadata(id: id, name: name, projectPath: projectPath, closedAt: found["closed_at"].flatMap(ISO8601.date),
                                   updatedAt: found["updated_at"].flatMap(ISO8601.date))
        }
    }
}
