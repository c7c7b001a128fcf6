import Glibc

/// A forward-only walk over JSON bytes that reads a few values and skips the rest.
///
/// For the fast metadata and schema passes over session files. It is not a validator (the callers
/// either run it on bytes `CanonicalLayout` accepted, or treat its answers as unverified); it never
/// recurses, never reads out of bounds, and skips strings with `memchr`. Every method returns
/// false or nil on anything unexpected.
struct RawJSONCursor {
    let bytes: UnsafeRawBufferPointer
    var pos = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { pos == bytes.count }

    func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    mutating func skipWhitespace() {
        while pos < bytes.count, ASCII.isWhitespace(bytes[pos]) { pos += 1 }
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek() == byte else { return false }
        pos += 1
        return true
    }

    /// Iterates an object's members: `body` gets each key's raw bytes (an escaped key fails the
    /// walk) with the cursor at the value, and must consume the value.
    mutating func members(_ body: (UnsafeRawBufferPointer, inout RawJSONCursor) -> Bool) -> Bool {
        guard expect(ASCII.openBrace) else { return false }
        skipWhitespace()
        if peek() == ASCII.closeBrace {
            pos += 1
            return true
        }
        while true {
            skipWhitespace()
            guard let key = rawString(), expect(ASCII.colon) else { return false }
            skipWhitespace()
            guard body(key, &self) else { return false }
            skipWhitespace()
            guard let next = peek() else { return false }
            pos += 1
            if next == ASCII.closeBrace { return true }
            guard next == ASCII.comma else { return false }
        }
    }

    /// Iterates an array's elements; `body` must consume each.
    mutating func elements(_ body: (inout RawJSONCursor) -> Bool) -> Bool {
        guard expect(ASCII.openBracket) else { return false }
        skipWhitespace()
        if peek() == ASCII.closeBracket {
            pos += 1
            return true
        }
        while true {
            skipWhitespace()
            guard body(&self) else { return false }
            skipWhitespace()
            guard let next = peek() else { return false }
            pos += 1
            if next == ASCII.closeBracket { return true }
            guard next == ASCII.comma else { return false }
        }
    }

    /// A string token's raw content, nil if it holds an escape.
    mutating func rawString() -> UnsafeRawBufferPointer? {
        let start = pos
        guard skipString() else { return nil }
        let content = UnsafeRawBufferPointer(rebasing: bytes[(start + 1)..<(pos - 1)])
        return content.contains(ASCII.backslash) ? nil : content
    }

    /// The range of the string token at `pos` (quotes included), decoded by the caller if needed.
    mutating func stringToken() -> Range<Int>? {
        let start = pos
        return skipString() ? start..<pos : nil
    }

    /// Exactly `text` as a whole scalar token.
    mutating func literal(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard pos + n <= bytes.count,
              UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)]).elementsEqual(UnsafeRawBufferPointer(start: text.utf8Start, count: n))
        else { return false }
        pos += n
        return pos == bytes.count || Self.isDelimiter(bytes[pos]) || ASCII.isWhitespace(bytes[pos])
    }

    /// Skips a string at `pos`: up to the first quote preceded by an even run of backslashes.
    mutating func skipString() -> Bool {
        guard peek() == ASCII.quote, let base = bytes.baseAddress else { return false }
        let start = pos
        var i = pos + 1
        while i < bytes.count {
            guard let hit = memchr(base + i, Int32(ASCII.quote), bytes.count - i) else { return false }
            let q = base.distance(to: UnsafeRawPointer(hit))
            var backslashes = 0
            while q - 1 - backslashes > start, bytes[q - 1 - backslashes] == ASCII.backslash { backslashes += 1 }
            i = q + 1
            if backslashes % 2 == 0 {
                pos = i
                return true
            }
        }
        return false
    }

    /// Skips one value of any kind, without recursion.
    mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            skipWhitespace()
            guard let b = peek() else { return false }
            switch b {
            case ASCII.quote:
                guard skipString() else { return false }
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
                let start = pos
                while pos < bytes.count, !ASCII.isWhitespace(bytes[pos]), !Self.isDelimiter(bytes[pos]) { pos += 1 }
                guard pos > start else { return false }
            }
        } while depth > 0
        return true
    }

    static func isDelimiter(_ b: UInt8) -> Bool {
        b == ASCII.comma || b == ASCII.colon || b == ASCII.closeBrace || b == ASCII.closeBracket
            || b == ASCII.openBrace || b == ASCII.openBracket || b == ASCII.quote
    }
}
