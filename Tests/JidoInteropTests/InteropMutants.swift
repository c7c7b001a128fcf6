import Foundation
import JidoToolSupport

/// Seeded byte-level mutants of JidoCode-written (pretty, canonical) session files, for the differential test.
struct InteropMutant {
    let kind: String
    let description: String
    let bytes: [UInt8]
}

/// What makes a disagreement a deliberate one (JidoGuard refuses, JidoCode accepts): measured on the mutant's bytes.
struct InteropMutantFeatures {
    /// Deepest nesting of non-empty arrays and objects (as `JSONLimits.maxDepth` counts).
    let depth: Int
    /// Longest run of number characters outside strings.
    let longestNumber: Int
    let size: Int

    init(_ bytes: [UInt8]) {
        size = bytes.count
        var depth = 0, maxDepth = 0, longest = 0, run = 0
        var inString = false, escaped = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            if (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                var j = i + 1
                while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
                if j < bytes.count, bytes[j] == (b == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")) {
                    i = j // empty: no level
                } else {
                    depth += 1
                    maxDepth = max(maxDepth, depth)
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
            i += 1
        }
        self.depth = maxDepth
        longestNumber = longest
    }

    /// Why JidoGuard may call this file undecodable while JidoCode decodes it; nil when it may not.
    var allowedDifference: String? {
        if size > 10 << 20 { return "file larger than 10 MiB" }
        if depth > 512 { return "nesting deeper than 512" }
        if longestNumber > 1_024 { return "number token longer than 1,024 characters" }
        return nil
    }
}

/// Generates the mutants. Works on the text layout JidoCode writes: two-space indentation, one member per line for
/// scalars, top-level members starting with `  "`.
struct InteropMutator {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    private static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    // MARK: - Layout helpers

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] { bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init) }
    static func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [0x0A])) }

    /// Top-level members (each without its trailing comma) of a pretty object file; nil if the file is not one.
    static func topLevelMembers(_ bytes: [UInt8]) -> [[UInt8]]? {
        let all = lines(bytes)
        guard all.count >= 3, all.first == b("{"), all.last == b("}") else { return nil }
        var members: [[[UInt8]]] = []
        for line in all[1..<(all.count - 1)] {
            if line.starts(with: b("  \"")) { members.append([line]) } else if !members.isEmpty { members[members.count - 1].append(line) } else { return nil }
        }
        return members.map { memberLines in
            var text = join(memberLines)
            if text.last == UInt8(ascii: ",") { text.removeLast() }
            return text
        }
    }

    static func assemble(_ members: [[UInt8]]) -> [UInt8] {
        members.isEmpty ? b("{}") : b("{\n") + Array(members.joined(separator: b(",\n"))) + b("\n}")
    }

    static func isSignature(_ member: [UInt8]) -> Bool { member.starts(with: b("  \"signature\": ")) }

    static func signatureText(_ bytes: [UInt8]) -> String? {
        guard let member = topLevelMembers(bytes)?.first(where: isSignature) else { return nil }
        let text = String(decoding: member, as: UTF8.self)
        guard let open = text.firstIndex(of: "\""), let valueStart = text[text.index(after: open)...].firstIndex(of: ":") else { return nil }
        let value = text[text.index(after: valueStart)...].trimmingCharacters(in: .whitespaces)
        guard value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 else { return nil }
        return String(value.dropFirst().dropLast())
    }

    /// String tokens (ranges including the quotes) and number tokens, outside strings.
    static func tokens(_ bytes: [UInt8]) -> (strings: [Range<Int>], numbers: [Range<Int>]) {
        var strings: [Range<Int>] = [], numbers: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
                strings.append(i..<min(j + 1, bytes.count))
                i = j + 1
            } else if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
                var j = i + 1
                while j < bytes.count, "0123456789+-.eE".utf8.contains(bytes[j]) { j += 1 }
                numbers.append(i..<j)
                i = j
            } else {
                i += 1
            }
        }
        return (strings, numbers)
    }

    /// The inside of a JSON string token as escape sequences and single raw scalars.
    static func stringUnits(_ text: String) -> [(text: String, isEscape: Bool)] {
        let scalars = Array(text.unicodeScalars)
        var out: [(text: String, isEscape: Bool)] = []
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\", i + 1 < scalars.count {
                let length = scalars[i + 1] == "u" ? min(6, scalars.count - i) : 2
                out.append((String(String.UnicodeScalarView(scalars[i..<(i + length)])), true))
                i += length
            } else {
                out.append((String(scalars[i]), false))
                i += 1
            }
        }
        return out
    }

    static func replacing(_ bytes: [UInt8], _ range: Range<Int>, with new: [UInt8]) -> [UInt8] {
        Array(bytes[..<range.lowerBound]) + new + Array(bytes[range.upperBound...])
    }

    // MARK: - Mutants

    static let interestingBytes: [UInt8] = Array("{}[],:\"\\0123456789-+.eE \n\ta".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xFF]

    static let signatureValues: [(String, String)] = [
        ("null", "null"), ("number", "12345"), ("zero", "0"), ("float", "-1.5"), ("empty object", "{}"), ("object", "{\"a\": 1}"),
        ("empty array", "[]"), ("array", "[\"x\"]"), ("true", "true"), ("false", "false"), ("empty string", "\"\""),
        ("short string", "\"abc\""),
    ]

    /// Alternative spellings of a signature string: (description, JSON string token).
    func signatureSpellings(_ sig: String) -> [(String, String)] {
        var out: [(String, String)] = []
        let chars = Array(sig)
        if chars.count == 44 {
            var flipped = chars
            flipped[5] = flipped[5] == "A" ? "B" : "A"
            out.append(("one base64 character changed", "\"" + String(flipped) + "\""))
            out.append(("43 characters", "\"" + String(chars.prefix(43)) + "\""))
            out.append(("45 characters", "\"" + sig + "A\""))
            out.append(("padding removed", "\"" + sig.replacingOccurrences(of: "=", with: "") + "\""))
            // The character before '=' carries 4 data bits and 2 zero bits: setting a zero bit decodes to the same bytes.
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            if let index = alphabet.firstIndex(of: chars[42]) {
                var loose = chars
                loose[42] = alphabet[index ^ 1]
                out.append(("non-canonical padding bits (same 32 bytes)", "\"" + String(loose) + "\""))
            }
            out.append(("url-safe alphabet", "\"" + sig.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") + "\""))
            out.append(("lower-cased", "\"" + sig.lowercased() + "\""))
            out.append(("leading space", "\" " + sig + "\""))
            out.append(("trailing newline escape", "\"" + sig + "\\n\""))
            out.append(("base64 of 31 bytes", "\"" + Data(repeating: 7, count: 31).base64EncodedString() + "\""))
            out.append(("base64 of 33 bytes", "\"" + Data(repeating: 7, count: 33).base64EncodedString() + "\""))
            // Same string, other escapes: JidoCode compares the decoded string, so these still verify.
            if let first = chars.first {
                let scalar = first.unicodeScalars.first?.value ?? 0x41
                out.append(("first character as \\u escape", "\"" + String(format: "\\u%04x", scalar) + String(chars.dropFirst()) + "\""))
                out.append(("first character as upper-case \\u escape", "\"" + String(format: "\\u%04X", scalar) + String(chars.dropFirst()) + "\""))
            }
            if sig.contains("/") { out.append(("'/' escaped as \\/", "\"" + sig.replacingOccurrences(of: "/", with: "\\/") + "\"")) }
        }
        return out
    }

    mutating func mutate(_ base: [UInt8]) -> InteropMutant {
        switch rng.below(100) {
        case 0..<8: return byteFlip(base)
        case 8..<14: return deletion(base)
        case 14..<20: return insertion(base)
        case 20..<25: return duplicateLine(base)
        case 25..<45: return signatureMutant(base)
        case 45..<51: return whitespace(base)
        case 51..<61: return escape(base)
        case 61..<73: return number(base)
        case 73..<79: return reorder(base)
        case 79..<83: return truncation(base)
        case 83..<86: return bom(base)
        case 86..<91: return invalidUTF8(base)
        case 91..<94: return notObject(base)
        case 94..<97: return duplicateKey(base)
        default: return rawControl(base)
        }
    }

    /// A mutant meant to decode, with its signature member removed, for `sign-raw` to sign the way JidoCode verifies:
    /// JidoCode then calls it valid, so any other verdict of ours is a canonical-encoding difference on that content.
    mutating func unsignedContentMutant(_ base: [UInt8]) -> InteropMutant? {
        let mutant: InteropMutant
        switch rng.below(20) {
        case 0..<10: mutant = number(base)
        case 10..<15: mutant = escape(base)
        case 15..<18: mutant = duplicateKey(base)
        default: mutant = whitespace(base)
        }
        guard let members = Self.topLevelMembers(mutant.bytes) else { return nil }
        let unsigned = members.filter { !Self.isSignature($0) }
        guard unsigned.count < members.count else { return nil }
        return InteropMutant(kind: "re-signed " + mutant.kind, description: mutant.description + "; signature removed, then signed by JidoCode's sign-raw",
                             bytes: Self.assemble(unsigned))
    }

    mutating func byteFlip(_ base: [UInt8]) -> InteropMutant {
        var bytes = base
        let offset = rng.below(bytes.count), bit = rng.below(8)
        bytes[offset] ^= UInt8(1 << bit)
        return InteropMutant(kind: "byte flip", description: "bit \(bit) flipped at offset \(offset)", bytes: bytes)
    }

    mutating func deletion(_ base: [UInt8]) -> InteropMutant {
        let offset = rng.below(base.count), count = 1 + rng.below(4)
        return InteropMutant(kind: "deletion", description: "\(count) bytes deleted at offset \(offset)",
                             bytes: Self.replacing(base, offset..<min(base.count, offset + count), with: []))
    }

    mutating func insertion(_ base: [UInt8]) -> InteropMutant {
        let offset = rng.below(base.count + 1), byte = Self.interestingBytes[rng.below(Self.interestingBytes.count)]
        return InteropMutant(kind: "insertion", description: "byte 0x\(String(byte, radix: 16)) inserted at offset \(offset)",
                             bytes: Self.replacing(base, offset..<offset, with: [byte]))
    }

    mutating func duplicateLine(_ base: [UInt8]) -> InteropMutant {
        var lines = Self.lines(base)
        let index = 1 + rng.below(max(1, lines.count - 2))
        lines.insert(lines[index], at: index + (rng.chance(0.5) ? 1 : 0))
        return InteropMutant(kind: "duplicated line", description: "line \(index + 1) duplicated: \(String(decoding: lines[index].prefix(60), as: UTF8.self))",
                             bytes: Self.join(lines))
    }

    mutating func signatureMutant(_ base: [UInt8]) -> InteropMutant {
        guard var members = Self.topLevelMembers(base), let sigIndex = members.firstIndex(where: Self.isSignature),
              let sig = Self.signatureText(base) else { return byteFlip(base) }
        let signature = members[sigIndex]
        let kind = "signature"
        switch rng.below(9) {
        case 0:
            let (what, value) = Self.signatureValues[rng.below(Self.signatureValues.count)]
            members[sigIndex] = Self.b("  \"signature\": " + value)
            return InteropMutant(kind: kind, description: "signature set to \(what)", bytes: Self.assemble(members))
        case 1, 2:
            let spellings = signatureSpellings(sig)
            guard !spellings.isEmpty else { return byteFlip(base) }
            let (what, value) = spellings[rng.below(spellings.count)]
            members[sigIndex] = Self.b("  \"signature\": " + value)
            return InteropMutant(kind: kind, description: "signature \(what)", bytes: Self.assemble(members))
        case 3:
            members.remove(at: sigIndex)
            let to = rng.below(members.count + 1)
            members.insert(signature, at: to)
            return InteropMutant(kind: kind, description: "signature member moved from position \(sigIndex) to \(to)", bytes: Self.assemble(members))
        case 4:
            let to = rng.below(members.count + 1)
            let wrong = rng.chance(0.5)
            members.insert(wrong ? Self.b("  \"signature\": \"" + String(repeating: "A", count: 43) + "=\"") : signature, at: to)
            return InteropMutant(kind: kind, description: "signature member duplicated\(wrong ? " with a wrong value" : "") at position \(to) (original at \(sigIndex))",
                                 bytes: Self.assemble(members))
        case 5:
            members.remove(at: sigIndex)
            return InteropMutant(kind: kind, description: "signature member removed", bytes: Self.assemble(members))
        case 6, 7:
            // A "signature" inside a nested object: the top-level one stays (or is moved there).
            let move = rng.chance(0.5)
            guard let config = members.firstIndex(where: { $0.starts(with: Self.b("  \"config\": {\n")) }) else { return byteFlip(base) }
            var text = members[config]
            text.insert(contentsOf: Self.b("\n    \"signature\": \"" + sig + "\","), at: Self.b("  \"config\": {").count)
            members[config] = text
            if move { members.remove(at: sigIndex) }
            return InteropMutant(kind: kind, description: "signature copied into config\(move ? " and removed from the top level" : "")",
                                 bytes: Self.assemble(members))
        default:
            let first = members.remove(at: sigIndex)
            members.insert(first, at: 0)
            return InteropMutant(kind: kind, description: "signature member moved first (sign-raw style)", bytes: Self.assemble(members))
        }
    }

    mutating func whitespace(_ base: [UInt8]) -> InteropMutant {
        let kind = "whitespace"
        switch rng.below(7) {
        case 0:
            // Compact: every byte of whitespace outside strings removed.
            var out: [UInt8] = []
            var inString = false, escaped = false
            for c in base {
                if inString {
                    if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                    out.append(c)
                } else if c == UInt8(ascii: "\"") {
                    inString = true
                    out.append(c)
                } else if ![0x20, 0x0A, 0x09, 0x0D].contains(c) {
                    out.append(c)
                }
            }
            return InteropMutant(kind: kind, description: "compacted (no whitespace outside strings)", bytes: out)
        case 1: return InteropMutant(kind: kind, description: "CRLF line ends", bytes: Array(Self.lines(base).joined(separator: [0x0D, 0x0A])))
        case 2: return InteropMutant(kind: kind, description: "trailing newline", bytes: base + [0x0A])
        case 3: return InteropMutant(kind: kind, description: "leading space", bytes: [0x20] + base)
        case 4:
            let lines = Self.lines(base).map { line -> [UInt8] in
                let indent = line.prefix { $0 == 0x20 }.count
                return [UInt8](repeating: 0x09, count: indent / 2) + line.dropFirst(indent)
            }
            return InteropMutant(kind: kind, description: "tab indentation", bytes: Self.join(lines))
        case 5:
            // The key of a top-level member line ends at its first `": ` (top-level keys hold no escaped quote).
            let lines = Self.lines(base).map { line -> [UInt8] in
                let text = String(decoding: line, as: UTF8.self)
                guard line.starts(with: Self.b("  \"")), let colon = text.range(of: "\": ") else { return line }
                return Array(text.replacingCharacters(in: colon, with: "\" : ").utf8)
            }
            return InteropMutant(kind: kind, description: "space before every top-level colon", bytes: Self.join(lines))
        default: return InteropMutant(kind: kind, description: "trailing spaces on every line",
                                      bytes: Self.join(Self.lines(base).map { $0 + [0x20, 0x20] }))
        }
    }

    mutating func escape(_ base: [UInt8]) -> InteropMutant {
        let strings = Self.tokens(base).strings.filter { $0.count > 2 }
        guard !strings.isEmpty else { return byteFlip(base) }
        let token = strings[rng.below(strings.count)]
        let inner = Array(base[(token.lowerBound + 1)..<(token.upperBound - 1)])
        let text = String(decoding: inner, as: UTF8.self)
        let kind = "escape"
        switch rng.below(6) {
        case 0, 1:
            // Re-spell one unescaped scalar as \uXXXX (a surrogate pair above U+FFFF): the same string.
            let units = Self.stringUnits(text)
            let raw = units.indices.filter { !units[$0].isEscape }
            guard !raw.isEmpty else { return byteFlip(base) }
            let index = raw[rng.below(raw.count)]
            let value = units[index].text.unicodeScalars.first?.value ?? 0x41
            let format = rng.chance(0.3) ? "\\u%04X" : "\\u%04x"
            let spelled: String
            if value > 0xFFFF {
                let v = value - 0x10000
                spelled = String(format: format, 0xD800 + (v >> 10)) + String(format: format, 0xDC00 + (v & 0x3FF))
            } else {
                spelled = String(format: format, value)
            }
            var texts = units.map(\.text)
            texts[index] = spelled
            return InteropMutant(kind: kind, description: "U+\(String(format: "%04X", value)) re-spelled \(spelled) in \(String(reflecting: String(text.prefix(40))))",
                                 bytes: Self.replacing(base, token, with: Self.b("\"" + texts.joined() + "\"")))
        case 2:
            let alternatives: [(String, String)] = [("\\n", "\\u000a"), ("\\t", "\\u0009"), ("\\\"", "\\u0022"), ("\\\\", "\\u005C"),
                                                    ("\\u001F", "\\u001f"), ("\\u0000", "\\u0000"), ("\\b", "\\u0008"), ("/", "\\/"),
                                                    ("\\r", "\\u000D"), ("\\f", "\\u000c")]
            let present = alternatives.filter { text.contains($0.0) }
            guard let (from, to) = present.isEmpty ? nil : present[rng.below(present.count)] else {
                return InteropMutant(kind: kind, description: "first character \\u-escaped in \(String(reflecting: String(text.prefix(40))))",
                                     bytes: Self.replacing(base, token, with: Self.b("\"" + String(format: "\\u%04x", text.unicodeScalars.first?.value ?? 0x41)
                                         + String(String.UnicodeScalarView(text.unicodeScalars.dropFirst())) + "\"")))
            }
            guard let range = text.range(of: from) else { return byteFlip(base) }
            let rebuilt = text.replacingCharacters(in: range, with: to)
            return InteropMutant(kind: kind, description: "escape \(from) re-spelled \(to)", bytes: Self.replacing(base, token, with: Self.b("\"" + rebuilt + "\"")))
        case 3:
            let bad = ["\\x41", "\\u12", "\\ud800", "\\udc00", "\\udc00\\ud800", "\\ud800\\u0041", "\\U0041", "\\'", "\\a", "\\0", "\\u00e9\\"]
            let pick = bad[rng.below(bad.count)]
            return InteropMutant(kind: kind, description: "escape \(pick) appended inside \(String(reflecting: String(text.prefix(40))))",
                                 bytes: Self.replacing(base, token, with: Self.b("\"" + text + pick + "\"")))
        case 4:
            // Unicode normalization: é (U+00E9) ↔ e + U+0301: a different string.
            if text.unicodeScalars.contains("\u{E9}") {
                return InteropMutant(kind: kind, description: "NFC é → NFD e+U+0301 in \(String(reflecting: String(text.prefix(40))))",
                                     bytes: Self.replacing(base, token, with: Self.b("\"" + text.replacingOccurrences(of: "\u{E9}", with: "e\u{301}",
                                                                                                                     options: .literal) + "\"")))
            }
            return InteropMutant(kind: kind, description: "raw é appended to \(String(reflecting: String(text.prefix(40))))",
                                 bytes: Self.replacing(base, token, with: Self.b("\"" + text + "é\"")))
        default:
            return InteropMutant(kind: kind, description: "\\u00e9 appended to \(String(reflecting: String(text.prefix(40))))",
                                 bytes: Self.replacing(base, token, with: Self.b("\"" + text + "\\u00e9\"")))
        }
    }

    static let specialNumbers = ["-0", "-0.0", "-0e0", "-0E5", "-0.0e5", "-0E-3", "0e0", "1E2", "1E400", "-1e400", "1e-400", "5e-324",
                                 "1.0E+2", "2.4703282292062327e-324", "1.7976931348623159e308", "01", "+1", "1.", ".5", "1e", "-", "0x10",
                                 "NaN", "Infinity", "123456789012345678901234567890", "1" + String(repeating: "0", count: 1_023),
                                 "1" + String(repeating: "0", count: 1_024), "1." + String(repeating: "0", count: 1_100),
                                 "0." + String(repeating: "3", count: 400), "-" + String(repeating: "9", count: 1_024)]

    mutating func number(_ base: [UInt8]) -> InteropMutant {
        let numbers = Self.tokens(base).numbers
        guard !numbers.isEmpty else { return byteFlip(base) }
        let token = numbers[rng.below(numbers.count)]
        let text = String(decoding: base[token], as: UTF8.self)
        let isFloat = text.contains(".") || text.contains("e") || text.contains("E")
        let replacement: String
        let what: String
        let choice = rng.below(4)
        let zeroSpellings = ["-0.0": ["-0e0", "-0E5", "-0.0e5", "-0E-3", "-0.00", "-0.0E0"], "0.0": ["0e0", "0E5", "0.00", "0.0e-3"]]
        if choice < 2, let spellings = zeroSpellings[text] {
            // Zero's other spellings (Jason reads some negative zeros as +0.0).
            replacement = spellings[rng.below(spellings.count)]
            what = "zero re-spelled"
        } else if choice < 2, isFloat {
            // Same value, other spelling.
            let mantissaEnd = text.firstIndex { $0 == "e" || $0 == "E" } ?? text.endIndex
            let mantissa = String(text[..<mantissaEnd]), exponent = String(text[mantissaEnd...])
            switch rng.below(5) {
            case 0: replacement = mantissa + "0" + exponent; what = "extra fraction zero"
            case 1: replacement = mantissa + (exponent.isEmpty ? "E0" : exponent.uppercased()); what = "upper-case E"
            case 2:
                replacement = mantissa + (exponent.isEmpty ? "e+00" : exponent.hasPrefix("e-") ? "e-0" + exponent.dropFirst(2) : "e+" + exponent.dropFirst())
                what = "explicit exponent sign / zeros"
            case 3: replacement = mantissa + "00" + exponent; what = "two extra fraction zeros"
            default:
                if exponent.isEmpty {
                    replacement = mantissa + "e0"
                } else {
                    let signed = exponent.dropFirst().first.map { $0 == "-" || $0 == "+" } ?? false
                    let head = exponent.prefix(signed ? 2 : 1)
                    replacement = mantissa + head + "0" + exponent.dropFirst(head.count)
                }
                what = "exponent e0 added / zero-padded"
            }
        } else if choice < 2 {
            if text == "0" { replacement = "-0"; what = "0 spelled -0" } else { replacement = text + ".0"; what = "integer spelled as float" }
        } else {
            replacement = Self.specialNumbers[rng.below(Self.specialNumbers.count)]
            what = "replaced by \(replacement.count > 40 ? String(replacement.prefix(12)) + "…(\(replacement.count) chars)" : replacement)"
        }
        return InteropMutant(kind: "number", description: "\(text) → \(what): \(replacement.prefix(40))",
                             bytes: Self.replacing(base, token, with: Self.b(replacement)))
    }

    mutating func reorder(_ base: [UInt8]) -> InteropMutant {
        if rng.chance(0.5), var members = Self.topLevelMembers(base), members.count > 2 {
            let before = members
            while members.map({ $0.prefix(24) }) == before.map({ $0.prefix(24) }) { members = shuffled(members) }
            return InteropMutant(kind: "key reorder", description: "top-level members shuffled", bytes: Self.assemble(members))
        }
        // Two adjacent one-line members at the same indentation swapped (commas stay in place).
        var lines = Self.lines(base)
        var pairs: [Int] = []
        func isScalarMember(_ line: [UInt8]) -> Int? {
            let indent = line.prefix { $0 == 0x20 }.count
            guard indent >= 4, line.count > indent, line[indent] == UInt8(ascii: "\""),
                  let last = line.last, last != UInt8(ascii: "{"), last != UInt8(ascii: "["),
                  String(decoding: line, as: UTF8.self).contains("\": ") else { return nil }
            return indent
        }
        for i in 0..<(max(lines.count, 1) - 1) {
            if let a = isScalarMember(lines[i]), let b = isScalarMember(lines[i + 1]), a == b, lines[i].last == UInt8(ascii: ",") { pairs.append(i) }
        }
        guard !pairs.isEmpty else { return byteFlip(base) }
        let i = pairs[rng.below(pairs.count)]
        let first = Array(lines[i].dropLast()), second = lines[i + 1]
        let secondHasComma = second.last == UInt8(ascii: ",")
        let secondBare = secondHasComma ? Array(second.dropLast()) : second
        lines[i] = secondBare + [UInt8(ascii: ",")]
        lines[i + 1] = first + (secondHasComma ? [UInt8(ascii: ",")] : [])
        return InteropMutant(kind: "key reorder", description: "lines \(i + 1) and \(i + 2) swapped: \(String(decoding: first.prefix(50), as: UTF8.self))",
                             bytes: Self.join(lines))
    }

    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, rng.below(i + 1)) }
        return items
    }

    mutating func truncation(_ base: [UInt8]) -> InteropMutant {
        let at = rng.below(base.count)
        return InteropMutant(kind: "truncation", description: "truncated to \(at) bytes", bytes: Array(base.prefix(at)))
    }

    mutating func bom(_ base: [UInt8]) -> InteropMutant {
        switch rng.below(3) {
        case 0: return InteropMutant(kind: "BOM", description: "UTF-8 BOM prepended", bytes: [0xEF, 0xBB, 0xBF] + base)
        case 1: return InteropMutant(kind: "BOM", description: "UTF-8 BOM appended", bytes: base + [0xEF, 0xBB, 0xBF])
        default: return InteropMutant(kind: "BOM", description: "UTF-8 BOM after the opening brace",
                                      bytes: [base[0], 0xEF, 0xBB, 0xBF] + base.dropFirst())
        }
    }

    static let badUTF8: [(String, [UInt8])] = [
        ("FF", [0xFF]), ("FE", [0xFE]), ("overlong C0 AF", [0xC0, 0xAF]), ("overlong E0 80 AF", [0xE0, 0x80, 0xAF]),
        ("surrogate ED A0 80", [0xED, 0xA0, 0x80]), ("above U+10FFFF F4 90 80 80", [0xF4, 0x90, 0x80, 0x80]),
        ("truncated C3", [0xC3]), ("stray continuation 80", [0x80]), ("5-byte F8 88 80 80 80", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ("truncated F0 9F 9A", [0xF0, 0x9F, 0x9A]),
    ]

    mutating func invalidUTF8(_ base: [UInt8]) -> InteropMutant {
        let (what, bytes) = Self.badUTF8[rng.below(Self.badUTF8.count)]
        let strings = Self.tokens(base).strings.filter { $0.count > 2 }
        if rng.chance(0.8), !strings.isEmpty {
            let token = strings[rng.below(strings.count)]
            let at = token.lowerBound + 1 + rng.below(token.count - 2)
            // Never inside a multi-byte sequence or an escape: step back to a character start that is not after '\'.
            var offset = at
            while offset > token.lowerBound + 1, base[offset] & 0xC0 == 0x80 || base[offset - 1] == UInt8(ascii: "\\") { offset -= 1 }
            return InteropMutant(kind: "invalid UTF-8", description: "\(what) inserted in a string at offset \(offset)",
                                 bytes: Self.replacing(base, offset..<offset, with: bytes))
        }
        return InteropMutant(kind: "invalid UTF-8", description: "\(what) inserted after the opening brace",
                             bytes: Self.replacing(base, 1..<1, with: bytes))
    }

    mutating func notObject(_ base: [UInt8]) -> InteropMutant {
        let options: [(String, [UInt8])] = [("wrapped in an array", [UInt8(ascii: "[")] + base + [UInt8(ascii: "]")]), ("a string", Self.b("\"x\"")),
                                            ("a number", Self.b("1")), ("null", Self.b("null")), ("an empty array", Self.b("[]")),
                                            ("empty", []), ("whitespace only", Self.b(" \n")),
                                            ("trailing garbage", base + Self.b("x")), ("a second object", base + Self.b("{}")),
                                            ("trailing NUL", base + [0])]
        let (what, bytes) = options[rng.below(options.count)]
        return InteropMutant(kind: "not one object", description: what, bytes: bytes)
    }

    mutating func duplicateKey(_ base: [UInt8]) -> InteropMutant {
        // A one-line member inserted again before or after itself with another value.
        var lines = Self.lines(base)
        let candidates = lines.indices.filter { i in
            let line = lines[i]
            let indent = line.prefix { $0 == 0x20 }.count
            return indent >= 2 && line.count > indent && line[indent] == UInt8(ascii: "\"") && line.last == UInt8(ascii: ",")
                && String(decoding: line, as: UTF8.self).contains("\": ") && line.dropLast().last != UInt8(ascii: "{")
                && line.dropLast().last != UInt8(ascii: "[")
        }
        guard !candidates.isEmpty else { return byteFlip(base) }
        let i = candidates[rng.below(candidates.count)]
        let text = String(decoding: lines[i], as: UTF8.self)
        guard let colon = text.range(of: "\": ") else { return byteFlip(base) }
        let same = rng.chance(0.3)
        let copy = same ? lines[i] : Array((text[..<colon.upperBound] + "\"another value\",").utf8)
        let before = rng.chance(0.5)
        lines.insert(copy, at: before ? i : i + 1)
        return InteropMutant(kind: "duplicate key", description: "\(String(text.prefix(50))) duplicated \(before ? "before" : "after") itself\(same ? "" : " with another value")",
                             bytes: Self.join(lines))
    }

    mutating func rawControl(_ base: [UInt8]) -> InteropMutant {
        let strings = Self.tokens(base).strings.filter { $0.count > 2 }
        guard !strings.isEmpty else { return byteFlip(base) }
        let token = strings[rng.below(strings.count)]
        let byte = [UInt8(0x0A), 0x09, 0x00, 0x1F, 0x0D, 0x7F][rng.below(6)]
        return InteropMutant(kind: "raw control character", description: "raw 0x\(String(byte, radix: 16)) inside a string at offset \(token.lowerBound + 1)",
                             bytes: Self.replacing(base, (token.lowerBound + 1)..<(token.lowerBound + 1), with: [byte]))
    }

    /// Fixed mutants for the limits: nesting around 512, a file around 10 MiB.
    static func limitMutants(_ base: [UInt8]) -> [InteropMutant] {
        var out: [InteropMutant] = []
        guard let members = topLevelMembers(base) else { return out }
        for levels in [100, 510, 511, 512, 600, 2_000] {
            // "deep": N nested arrays around 1; the top-level object adds one level.
            let deep = b("  \"deep\": ") + Array(repeating: UInt8(ascii: "["), count: levels) + b("1") + Array(repeating: UInt8(ascii: "]"), count: levels)
            out.append(InteropMutant(kind: "nesting", description: "\(levels) nested arrays added (depth \(levels + 1))", bytes: assemble([deep] + members)))
        }
        for size in [10 << 20, (10 << 20) + 1] {
            let padding = [UInt8](repeating: 0x20, count: size - base.count)
            out.append(InteropMutant(kind: "size", description: "padded with spaces to \(size) bytes", bytes: [base[0]] + padding + base.dropFirst()))
        }
        return out
    }
}
