// An independent duplicate-key census for the `decode` check.

/// An independent re-scan of a document the decoder accepted: the JSON Pointer of every key that
/// occurs a second (third, …) time in the same object, in document order. Shares no code with the
/// decoder: its own tokenizer, its own unescaping, one explicit stack (no recursion).
///
/// Not linear, on purpose: it builds the full pointer of every container and every duplicate (the
/// decoder it checks builds them lazily and cuts them), so its cost is up to depth × key length per
/// duplicate. Only `decode` and `differential` use it, whose inputs are at most 8 KiB (`fuzz_max_len`
/// in Fuzz/common.sh): at most ~8 KiB × 8 Ki ≈ 64 MB of pointer bytes, far below the fuzzers'
/// -malloc_limit_mb. `verify` and `session` (1 MiB inputs) must not call it.
package enum DuplicateCensus {
    private struct Container {
        let isObject: Bool
        let pointer: String
        var keys = Set<[UInt8]>()
        var expectingKey: Bool
        var currentKey: [UInt8] = []
        var index = 0
    }

    package static func pointers(in bytes: [UInt8]) -> [String] {
        var found: [String] = []
        var stack: [Container] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var pointer = ""
                if let parent = stack.last {
                    pointer = parent.pointer + "/" + (parent.isObject ? FuzzChecks.escapePointerToken(String(decoding: parent.currentKey, as: UTF8.self))
                                                                      : String(parent.index))
                }
                let isObject = b == UInt8(ascii: "{")
                stack.append(Container(isObject: isObject, pointer: pointer, expectingKey: isObject))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
                i += 1
            case UInt8(ascii: ","):
                stack[stack.count - 1].index += 1
                stack[stack.count - 1].expectingKey = stack[stack.count - 1].isObject
                i += 1
            case UInt8(ascii: "\""):
                var end = i + 1
                while bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if let top = stack.last, top.isObject, top.expectingKey {
                    let key = unescape(bytes[(i + 1)..<end])
                    if !stack[stack.count - 1].keys.insert(key).inserted {
                        found.append(top.pointer + "/" + FuzzChecks.escapePointerToken(String(decoding: key, as: UTF8.self)))
                    }
                    stack[stack.count - 1].currentKey = key
                    stack[stack.count - 1].expectingKey = false
                }
                i = end + 1
            default:
                i += 1  // whitespace, ':', numbers and literals: nothing structural
            }
        }
        return found
    }

    /// The UTF-8 bytes of a string body that is known to be valid JSON.
    static func unescape(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var i = body.startIndex
        func hex4(_ at: Int) -> UInt32 { UInt32(String(decoding: body[at..<(at + 4)], as: UTF8.self), radix: 16) ?? 0 }
        while i < body.endIndex {
            guard body[i] == UInt8(ascii: "\\") else {
                out.append(body[i])
                i += 1
                continue
            }
            let e = body[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(i + 2) - 0xDC00)
                    i += 6
                }
                out += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default: out.append(e)  // \" \\ \/
            }
        }
        return out
    }
}
