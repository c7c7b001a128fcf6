/// RFC 4648 §4 base64, standard alphabet, padded. Decoding accepts only the canonical encoding,
/// so every accepted text is exactly `encode` of its result: a signature has one spelling.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")
    private static let invalid: UInt8 = 0xFF

    /// Sextet value of each byte, `invalid` for bytes outside the alphabet (including `=`).
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, symbol) in alphabet.enumerated() {
            table[Int(symbol)] = UInt8(value)
        }
        return table
    }()

    /// The padded standard-alphabet encoding of `bytes`.
    package static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(b1 == nil ? padding : alphabet[Int(group >> 6 & 0x3F)])
            output.append(b2 == nil ? padding : alphabet[Int(group & 0x3F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes `text` encodes, or `nil` unless `text` is exactly `encode` of them: standard
    /// alphabet only, length a multiple of 4, `=` only as final padding, unused low bits zero.
    package static func decodeStrict(_ text: some Collection<UInt8>) -> [UInt8]? {
        if let result = text.withContiguousStorageIfAvailable({ decodeStrict(buffer: $0) }) {
            return result
        }
        return Array(text).withUnsafeBufferPointer { decodeStrict(buffer: $0) }
    }

    private static func decodeStrict(buffer text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var start = 0
        while start < text.count {
            let isLast = start + 4 == text.count
            let v0 = values[Int(text[start])]
            let v1 = values[Int(text[start + 1])]
            let c2 = text[start + 2]
            let c3 = text[start + 3]
            guard v0 != invalid, v1 != invalid else { return nil }
            if isLast, c2 == padding, c3 == padding {
                guard v1 & 0x0F == 0 else { return nil }
                output.append(v0 << 2 | v1 >> 4)
                return output
            }
            let v2 = values[Int(c2)]
            guard v2 != invalid else { return nil }
            if isLast, c3 == padding {
                guard v2 & 0x03 == 0 else { return nil }
                output.append(v0 << 2 | v1 >> 4)
                output.append(v1 << 4 | v2 >> 2)
                return output
            }
            let v3 = values[Int(c3)]
            guard v3 != invalid else { return nil }
            output.append(v0 << 2 | v1 >> 4)
            output.append(v1 << 4 | v2 >> 2)
            output.append(v2 << 6 | v3)
            start += 4
        }
        return output
    }
}
