internal import Glibc

/// The canonical encodings of the elements of one top-level array member (a session's
/// `conversation`) from the previous encoding of the same document, so that the next encoding
/// copies the elements that did not change instead of encoding them again.
///
/// A conversation mostly grows at its end between two saves; with the cache a save encodes the
/// new messages only. Correctness rests on two facts: an element's canonical encoding at a given
/// depth depends on its value alone, and `JSONValue ==` is exact (strings and keys byte for byte,
/// floats by bit pattern). An element is reused only when it equals the cached one at the same
/// index and the cached encodings were made in the same `BeamOrder` (an element holding an object
/// of more than 32 members encodes differently per family); anything else is encoded afresh, so the
/// output is always the bytes `encode` gives.
struct CanonicalElementCache: Sendable {
    /// The top-level member whose array elements are cached.
    let memberKey: String
    private(set) var elements: [JSONValue] = []
    /// `encodings[i]`: the canonical bytes of `elements[i]` at depth 2, without its indentation.
    private(set) var encodings: [[UInt8]] = []
    /// The total size of `encodings`.
    private(set) var encodedBytes = 0
    /// The BEAM order family `encodings` were written in.
    private(set) var order: BeamOrder = .jidoCodeDefault
    /// In the last encoding, the offset just past the array's last element (nil when the member
    /// was absent or empty): the bytes before it are the ones an append leaves unchanged.
    var lastElementEnd: Int?

    init(memberKey: String) { self.memberKey = memberKey }

    /// `order`: the family `encodings` were written in (for encodings taken from a file, the
    /// `CanonicalLayout.beamOrder` of that file, or the default when it has none).
    mutating func replace(elements: [JSONValue], encodings: [[UInt8]], lastElementEnd: Int, order: BeamOrder = .jidoCodeDefault) {
        self.elements = elements
        self.encodings = encodings
        self.lastElementEnd = lastElementEnd
        self.order = order
        encodedBytes = encodings.reduce(0) { $0 + $1.count }
    }

    /// The encodings, moved out (empty until `replace`), so that the caller edits them in place.
    mutating func takeEncodings() -> [[UInt8]] {
        var taken: [[UInt8]] = []
        swap(&taken, &encodings)
        encodedBytes = 0
        return taken
    }

    /// The byte ranges of the elements of the top-level array member `memberKey` in a canonical
    /// encoding (as `CanonicalJSON.encode` writes it, or a signed file of it), or nil when that
    /// member is absent, empty or not laid out canonically.
    ///
    /// Canonical text has a newline only between structural lines (strings escape theirs), so the
    /// elements are found by indentation: each starts on a line indented 4 spaces; one that opens a
    /// non-empty container ends on the next line indented 4 spaces (its `}` or `]`), any other is
    /// that one line; a `,` ending the line separates it from the next. The caller must check the
    /// count against the decoded array.
    static func elementRanges(in bytes: UnsafeRawBufferPointer, memberKey: String) -> [Range<Int>]? {
        let header = Array(("\n  \"" + memberKey + "\": [\n").utf8)
        guard let headerStart = firstRange(of: header, in: bytes), let base = bytes.baseAddress else { return nil }
        var ranges: [Range<Int>] = []
        var open: Int?
        var pos = headerStart + header.count
        while pos < bytes.count {
            // `memchr` finds the line's end (vectorized); only the line's first bytes are looked at.
            let lineEnd = memchr(base + pos, Int32(ASCII.newline), bytes.count - pos).map { base.distance(to: UnsafeRawPointer($0)) }
                ?? bytes.count
            var indent = 0
            while pos + indent < lineEnd, bytes[pos + indent] == ASCII.space { indent += 1 }
            let contentStart = pos + indent
            guard contentStart < lineEnd else { return nil }
            let first = bytes[contentStart]
            let end = bytes[lineEnd - 1] == UInt8(ascii: ",") ? lineEnd - 1 : lineEnd
            switch indent {
            case 2:
                // `  ]` closes the array.
                guard open == nil, first == ASCII.closeBracket, !ranges.isEmpty else { return nil }
                return ranges
            case 4:
                if let start = open {
                    guard first == ASCII.closeBrace || first == ASCII.closeBracket, end == contentStart + 1 else { return nil }
                    ranges.append(start..<end)
                    open = nil
                } else if lineEnd == contentStart + 1, first == ASCII.openBrace || first == ASCII.openBracket {
                    open = contentStart
                } else {
                    ranges.append(contentStart..<end)
                }
            default:
                guard indent > 4, open != nil else { return nil }
            }
            pos = lineEnd + 1
        }
        return nil
    }

    /// The offset of the first occurrence of `needle` (which starts with a newline) in `bytes`.
    private static func firstRange(of needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, needle.first == ASCII.newline else { return nil }
        var i = 0
        while i + needle.count <= bytes.count {
            guard let hit = memchr(base + i, Int32(ASCII.newline), bytes.count - i) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if at + needle.count <= bytes.count,
               needle.withUnsafeBytes({ n in n.baseAddress.map { memcmp(base + at, $0, needle.count) == 0 } ?? false }) {
                return at
            }
            i = at + 1
        }
        return nil
    }
}
