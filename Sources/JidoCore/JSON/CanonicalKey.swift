/// A key as the canonical encoder (Jason) writes it, read back from the bytes: where its body ends,
/// what its escapes stand for, and its place in a large object's order. Shared by the scans that
/// check member order without decoding (`CanonicalLayout`, `MACFirstVerification`).
///
/// Only for bytes already known to be canonical strings: the escapes are the encoder's (`\"`, `\\`,
/// the short control escapes and `\u00XX`), so nothing here validates.
enum CanonicalKey {
    /// The body range of the string whose opening quote is at `quote`, and whether it holds an escape.
    static func body(in bytes: UnsafeRawBufferPointer, openingQuote quote: Int) -> (range: Range<Int>, escaped: Bool) {
        var i = quote + 1
        var escaped = false
        while i < bytes.count, bytes[i] != ASCII.quote {
            if bytes[i] == ASCII.backslash {
                escaped = true
                i += 2  // `\u00XX` continues with hex digits, never a quote or backslash
            } else {
                i += 1
            }
        }
        return ((quote + 1)..<min(i, bytes.count), escaped)
    }

    /// The bytes of a canonical string body with its escapes undone.
    static func unescaped(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let b = bytes[i]
            guard b == ASCII.backslash, i + 1 < range.upperBound else {
                out.append(b)
                i += 1
                continue
            }
            switch bytes[i + 1] {
            case let letter where ASCII.controlEscape(letter) != nil:
                out.append(ASCII.controlEscape(letter) ?? letter)
            case UInt8(ascii: "u") where i + 5 < range.upperBound:
                out.append(UInt8((ASCII.hexValue(bytes[i + 4]) ?? 0) << 4 | (ASCII.hexValue(bytes[i + 5]) ?? 0)))
                i += 4
            default: out.append(bytes[i + 1])
            }
            i += 2
        }
        return out
    }

    /// The rank of the key whose body is `range` (by its unescaped bytes) in `order`.
    static func rank(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, escaped: Bool, order: BeamOrder) -> BeamMapOrder.Rank {
        if escaped { return unescaped(bytes, range).withUnsafeBytes { BeamMapOrder.Rank($0, order: order) } }
        return BeamMapOrder.Rank(UnsafeRawBufferPointer(rebasing: bytes[range]), order: order)
    }

    /// Whether key `a` comes before key `b` in a large object of the `order` family, given their ranks.
    static func precedes(_ bytes: UnsafeRawBufferPointer, _ a: (range: Range<Int>, escaped: Bool), _ rankA: BeamMapOrder.Rank,
                         _ b: (range: Range<Int>, escaped: Bool), _ rankB: BeamMapOrder.Rank, order: BeamOrder) -> Bool {
        if rankA != rankB { return rankA < rankB }
        // Equal primary hashes: the bytes decide (rare; an allocation is fine here).
        let x = a.escaped ? unescaped(bytes, a.range) : Array(bytes[a.range])
        let y = b.escaped ? unescaped(bytes, b.range) : Array(bytes[b.range])
        return x.withUnsafeBytes { p in y.withUnsafeBytes { q in BeamMapOrder.collisionPrecedes(p, q, in: order) } }
    }

    /// True when the keys whose opening quotes are at `quotes`, in that sequence, are in the order
    /// Jason writes the members of a map of more than 32 members on `order` (each adjacent pair in
    /// `maps:to_list` order; a repeated key breaks it).
    static func followLargeObjectOrder(_ bytes: UnsafeRawBufferPointer, quotes: some Sequence<Int>, order: BeamOrder) -> Bool {
        var previous: (key: (range: Range<Int>, escaped: Bool), rank: BeamMapOrder.Rank)?
        for quote in quotes {
            let key = body(in: bytes, openingQuote: quote)
            let rank = rank(bytes, key.range, escaped: key.escaped, order: order)
            if let previous, !precedes(bytes, previous.key, previous.rank, key, rank, order: order) { return false }
            previous = (key, rank)
        }
        return true
    }
}
