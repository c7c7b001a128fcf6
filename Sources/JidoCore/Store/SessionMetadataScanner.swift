import Glibc

/// Reads `id`, `name`, `project_path` and `closed_at` from a session file without building the
/// document: a single pass over the top-level object that skips every other value (strings with
/// `memchr`, containers by depth counting). It is not a validator; it never reads out of bounds,
/// never recurses, and answers nil for anything it cannot make sense of. `load` does the checking.
enum SessionMetadataScanner {
    static func scan(_ bytes: [UInt8], expected id: SessionID) -> SessionMetadata? {
        bytes.withUnsafeBytes { buffer in
            var scanner = Scanner(bytes: buffer)
            guard let fields = scanner.topLevelStrings(["id", "name", "project_path", "closed_at"]),
                  let idText = fields["id"], SessionID(idText) == id,
                  let name = fields["name"], let projectPath = fields["project_path"] else { return nil }
            return SessionMetadata(id: id, name: name, projectPath: projectPath, closedAt: fields["closed_at"])
        }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var pos = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        /// The first string value of each wanted top-level key (first occurrence wins, as JidoCode).
        mutating func topLevelStrings(_ wanted: Set<String>) -> [String: String]? {
            var found: [String: String] = [:]
            var seen: Set<String> = []
            skipWhitespace()
            guard next() == ASCII.openBrace else { return nil }
            skipWhitespace()
            if peek() == ASCII.closeBrace { return found }
            while true {
                skipWhitespace()
                guard peek() == ASCII.quote, let keyRange = skipString() else { return nil }
                let key = decodeString(keyRange)
                skipWhitespace()
                guard next() == ASCII.colon else { return nil }
                skipWhitespace()
                if let key, wanted.contains(key), !seen.contains(key) {
                    seen.insert(key)
                    if peek() == ASCII.quote {
                        guard let range = skipString() else { return nil }
                        found[key] = decodeString(range)
                    } else {
                        guard skipValue() else { return nil }
                    }
                } else {
                    guard skipValue() else { return nil }
                }
                skipWhitespace()
                switch next() {
                case ASCII.comma: continue
                case ASCII.closeBrace: return found
                default: return nil
                }
            }
        }

        func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

        mutating func next() -> UInt8? {
            guard pos < bytes.count else { return nil }
            defer { pos += 1 }
            return bytes[pos]
        }

        mutating func skipWhitespace() {
            while pos < bytes.count, ASCII.isWhitespace(bytes[pos]) { pos += 1 }
        }

        /// Skips a string token at `pos` (its opening quote); returns the range including quotes.
        mutating func skipString() -> Range<Int>? {
            let start = pos
            var i = pos + 1
            guard let base = bytes.baseAddress else { return nil }
            while i < bytes.count {
                guard let hit = memchr(base + i, Int32(ASCII.quote), bytes.count - i) else { return nil }
                let q = base.distance(to: UnsafeRawPointer(hit))
                var backslashes = 0
                while q - 1 - backslashes > start, bytes[q - 1 - backslashes] == ASCII.backslash { backslashes += 1 }
                i = q + 1
                if backslashes % 2 == 0 {
                    pos = i
                    return start..<i
                }
            }
            return nil
        }

        /// Skips one value of any kind without recursion.
        mutating func skipValue() -> Bool {
            var depth = 0
            repeat {
                skipWhitespace()
                guard let b = peek() else { return false }
                switch b {
                case ASCII.quote:
                    guard skipString() != nil else { return false }
                case ASCII.openBrace, ASCII.openBracket:
                    depth += 1
                    pos += 1
                case ASCII.closeBrace, ASCII.closeBracket:
                    guard depth > 0 else { return false }
                    depth -= 1
                    pos += 1
                case ASCII.comma, ASCII.colon:
                    guard depth > 0 else { return false }
                    pos += 1
                default:
                    // A number or literal: up to the next delimiter.
                    let start = pos
                    while pos < bytes.count, !ASCII.isWhitespace(bytes[pos]),
                          ![ASCII.comma, ASCII.colon, ASCII.closeBrace, ASCII.closeBracket, ASCII.openBrace,
                            ASCII.openBracket, ASCII.quote].contains(bytes[pos]) { pos += 1 }
                    guard pos > start else { return false }
                }
            } while depth > 0
            return true
        }

        /// The exact text of a string token, decoded by the strict decoder (nil if invalid).
        func decodeString(_ range: Range<Int>) -> String? {
            let token = UnsafeRawBufferPointer(rebasing: bytes[range])
            return (try? StrictJSONDecoder().decode(token))?.value.stringValue
        }
    }
}
