/// Strict UTF-8 (RFC 3629): no overlong forms, no encoded surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// The length of the well-formed multi-byte sequence starting at `bytes[offset]` (whose first
    /// byte is >= 0x80), or nil if it is not well formed or runs past `bytes.count`.
    @inline(__always)
    static func multiByteSequenceLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        let lead = bytes[offset]
        let available = bytes.count - offset
        @inline(__always) func continuation(_ i: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            let b = bytes[offset + i]
            return b >= low && b <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return available >= 2 && continuation(1) ? 2 : nil
        case 0xE0:
            return available >= 3 && continuation(1, 0xA0) && continuation(2) ? 3 : nil
        case 0xE1...0xEC, 0xEE...0xEF:
            return available >= 3 && continuation(1) && continuation(2) ? 3 : nil
        case 0xED:
            return available >= 3 && continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : nil
        case 0xF0:
            return available >= 4 && continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF1...0xF3:
            return available >= 4 && continuation(1) && continuation(2) && continuation(3) ? 4 : nil
        case 0xF4:
            return available >= 4 && continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : nil
        default:
            return nil
        }
    }

    /// Appends the UTF-8 encoding of a Unicode scalar value (the caller excludes surrogates).
    @inline(__always)
    static func append(scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// ASCII byte constants the codec compares against.
enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let space = UInt8(ascii: " ")
    static let newline = UInt8(ascii: "\n")
    static let tab = UInt8(ascii: "\t")
    static let carriageReturn = UInt8(ascii: "\r")
    static let lowerE = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= zero && b <= nine }

    @inline(__always) static func isWhitespace(_ b: UInt8) -> Bool {
        b == space || b == newline || b == tab || b == carriageReturn
    }

    /// The byte a one-letter JSON escape (`\b \f \n \r \t`) stands for, or nil for other letters.
    @inline(__always) static func controlEscape(_ letter: UInt8) -> UInt8? {
        switch letter {
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        default: return nil
        }
    }

    /// The value of a hexadecimal digit (either case), or nil.
    @inline(__always) static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case zero...nine: return UInt32(b - zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

/// Eight bytes at a time: which bytes of a little-endian word a JSON string cannot hold raw.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// True when every byte of `bytes` is below 0x80, eight at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        while i + 8 <= bytes.count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highs != 0 { return false }
            i += 8
        }
        while i < bytes.count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The high bit of every byte of `x` that is a quote, a backslash or below 0x20. Only the lowest
    /// flag is exact (a borrow can set flags above a true one), so callers act on the lowest.
    @inline(__always)
    static func escapeMask(_ x: UInt64) -> UInt64 {
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        let hasControl = (x &- ones &* 0x20) & ~x & highs
        return hasQuote | hasBackslash | hasControl
    }
}
