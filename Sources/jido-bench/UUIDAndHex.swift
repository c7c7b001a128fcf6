import JidoToolSupport

extension SplitMix64 {
    /// A random (version 4, RFC 9562) UUID in lower-case hex.
    mutating func uuidV4() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = next(), b = next()
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Hex.encode(bytes, hyphensBefore: [4, 6, 8, 10])
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hexadecimal, with a `-` in front of the bytes at the offsets in `hyphensBefore`.
    static func encode(_ bytes: [UInt8], hyphensBefore: Set<Int> = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2 + hyphensBefore.count)
        for (i, b) in bytes.enumerated() {
            if hyphensBefore.contains(i) { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
