/// Files the fast path cannot decide, derived from a store's signed files: a third each tampered
/// (one ASCII letter near the middle changed: `invalid`), re-encoded (every line's indentation
/// removed: the signed content is intact, `valid` but not canonical) and with a duplicated top-level
/// key (the first single-line top-level member repeated first: `valid` with a duplicate).
enum SlowPathCorpus {
    static func derive(from files: [[UInt8]]) -> [[UInt8]] {
        files.enumerated().map { index, bytes in
            switch index % 3 {
            case 0: tampered(bytes)
            case 1: reindented(bytes)
            default: duplicatedKey(bytes)
            }
        }
    }

    /// The first ASCII letter at or after the middle changed to another letter.
    static func tampered(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        var i = bytes.count / 2
        while i < out.count {
            let byte = out[i] | 0x20
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") {
                out[i] = out[i] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
                break
            }
            i += 1
        }
        return out
    }

    /// Every line's leading spaces removed (JidoCode's files hold no raw newline inside a string).
    static func reindented(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var lineStart = true
        for byte in bytes {
            if lineStart && byte == UInt8(ascii: " ") { continue }
            lineStart = byte == UInt8(ascii: "\n")
            out.append(byte)
        }
        return out
    }

    /// The first top-level member written on one line (`  "key": value,`), repeated after `{`.
    static func duplicatedKey(_ bytes: [UInt8]) -> [UInt8] {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.count > 2,
              let member = lines.dropFirst().first(where: { $0.starts(with: Array("  \"".utf8)) && $0.last == UInt8(ascii: ",") }),
              let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return tampered(bytes) }
        return Array(bytes[...newline]) + Array(member) + [UInt8(ascii: "\n")] + Array(bytes[(newline + 1)...])
    }
}
