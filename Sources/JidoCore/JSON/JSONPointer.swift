/// JSON Pointers (RFC 6901) as reports carry them: escaped, bounded in length, bounded in number.
///
/// A hostile document can repeat a key hundreds of thousands of times, or nest long keys hundreds
/// of levels deep; a report that built every pointer in full would cost memory proportional to their
/// product. So a report names the first `maxReportedKeys` keys of a kind and counts the rest, and a
/// pointer longer than `maxReportedBytes` is cut (at a character boundary) and ends with `…`.
package enum JSONPointer {
    /// Longest pointer reported, in UTF-8 bytes before the closing `…`.
    package static let maxReportedBytes = 1024
    /// How many keys of one kind (duplicated, ambiguous) one document's report lists.
    package static let maxReportedKeys = 32

    /// One reference token, escaped (`~` as `~0`, `/` as `~1`).
    package static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == ASCII.slash }) else { return token }
        var out: [UInt8] = []
        out.reserveCapacity(token.utf8.count + 4)
        for b in token.utf8 {
            switch b {
            case UInt8(ascii: "~"): out += [UInt8(ascii: "~"), UInt8(ascii: "0")]
            case ASCII.slash: out += [UInt8(ascii: "~"), UInt8(ascii: "1")]
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The pointer of `tokens` (unescaped reference tokens, outermost first), built only up to
    /// `maxReportedBytes`: the work and memory are bounded whatever the tokens' total length.
    package static func reported(_ tokens: some Sequence<String>) -> String {
        var out: [UInt8] = []
        for token in tokens {
            out.append(ASCII.slash)
            for b in escape(token).utf8 {
                out.append(b)
                if out.count > maxReportedBytes { return truncated(out) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `pointer` itself, or cut as `reported` cuts it.
    package static func reported(pointer: String) -> String {
        pointer.utf8.count > maxReportedBytes ? truncated(Array(pointer.utf8.prefix(maxReportedBytes + 1))) : pointer
    }

    /// The first `maxReportedBytes` bytes of `bytes`, backed off to a UTF-8 character boundary, and `…`.
    private static func truncated(_ bytes: [UInt8]) -> String {
        var end = min(bytes.count, maxReportedBytes)
        while end > 0, end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self) + "…"
    }
}

/// The keys of one kind a document holds: the first `JSONPointer.maxReportedKeys` as pointers, and
/// how many there are in all.
package struct ReportedKeys: Sendable, Equatable {
    /// The first keys, in document order, as (possibly cut) JSON Pointers.
    public private(set) var pointers: [String] = []
    /// How many there are, listed or not.
    public private(set) var count = 0

    package init() {}

    /// True when there is none.
    package var isEmpty: Bool { count == 0 }
    /// How many were counted but not listed.
    package var unlisted: Int { count - pointers.count }

    /// Counts one more key; `pointer` is evaluated only while the list has room.
    package mutating func add(_ pointer: () -> String) {
        count += 1
        if pointers.count < JSONPointer.maxReportedKeys { pointers.append(pointer()) }
    }
}
