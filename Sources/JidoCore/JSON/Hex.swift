/// Lower-case hexadecimal, the package's one encoder: digests, the machine secret, random file-name
/// suffixes and session ids, in every target. (JSON's `\u00XX` escapes are upper case and the canonical
/// encoder's own.)
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two ASCII digits per byte, high nibble first. Bytes rather than a `String`, so that a caller
    /// encoding a secret can wipe the result: it is written into one allocation of the final size when
    /// `bytes` knows its count (an `Array` or any `Collection`), never copied on the way.
    package static func lowercaseASCII(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    /// The bytes of lower- or upper-case hex text of even length; nil for anything else.
    package static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = ASCII.hexValue(digits[i]), let low = ASCII.hexValue(digits[i + 1]) else { return nil }
            out.append(UInt8(high << 4 | low))
            i += 2
        }
        return out
    }

    /// True for a digit of this encoder's alphabet: `0`-`9` or `a`-`f` (the form of JidoCode's
    /// secret, its fallback value, digests and session ids).
    @inline(__always) package static func isLowercaseDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// Two digits per byte, high nibble first: `[0x0f, 0xa0]` is `"0fa0"`.
    package static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: lowercaseASCII(bytes), as: UTF8.self)
    }

    /// The text form of a UUID's 16 bytes (RFC 9562): lower-case hex grouped 8-4-4-4-12, a `-` before
    /// bytes 4, 6, 8 and 10. The version and variant bits are the caller's to set.
    package static func uuid(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2 + 4)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
