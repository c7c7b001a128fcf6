// The `differential` fuzz target's invariants: `StrictJSONDecoder` against Foundation's
// `JSONSerialization`, with every excused difference listed and measured.

internal import Foundation
package import JidoCore

extension FuzzChecks {
    /// `StrictJSONDecoder` against Foundation's `JSONSerialization` (`.fragmentsAllowed`) on
    /// acceptance and values. Every disagreement must fall in one of the classes below, each measured
    /// on this toolchain (Swift 6.3.1, swift-corelibs-foundation); anything else is a violation.
    /// Classes a normalization can remove (a BOM, a trailing comma, an over-long number) are removed
    /// and the comparison runs again on the normalized input, so one excused difference never hides
    /// another one later in the document.
    ///
    /// Both accept, values differ:
    /// - D1 duplicate keys: `{"a":1,"a":2}` is `a: 1` here (JidoCode keeps the first), `a: 2` in
    ///   Foundation (last wins). Excused only at the pointers the decoder reported as duplicates.
    /// - D2 canonically equivalent keys: `{"é":1,"e\u0301":2}` is two members here (keys compare by
    ///   bytes, as in Erlang); Foundation's `[String: Any]` compares keys by Unicode canonical
    ///   equivalence and keeps one (`"é": 2`). Excused only for keys that are `==` as Swift Strings
    ///   with different bytes.
    /// - D3 integers beyond 64 bits: we keep every digit; Foundation makes an `NSDecimalNumber` with
    ///   at most 38 significant digits (`1222…2` with 40 digits becomes `1222…20`). Excused only for
    ///   integers with more than 38 significant digits whose values agree to ~15 digits.
    /// - D4 integers beyond `Decimal`'s range (about 10^165 to 10^308) become an `NSNumber` double in
    ///   Foundation, and not always the nearest one: `10000000000000002` followed by 277 zeros gives
    ///   1.0000000000000003e293 (the nearest double is 1.0000000000000002e293; found by this fuzzer,
    ///   Corpus/regressions/differential-foundation-integer-beyond-decimal-as-inexact-double.json).
    ///   Excused for integers beyond 64 bits whose double is within 1e-14 relative of ours.
    /// - D5 floats with long mantissas: Foundation parses them through `Decimal`, whose conversion
    ///   to double is not correctly rounded (`0.12345678901234567` → 0.12345678901234565; the decoder
    ///   and strtod give 0.12345678901234566). Excused only when Foundation returned an
    ///   `NSDecimalNumber` within 1e-14 relative of our (correctly rounded) double.
    ///
    /// - D7 the sign of a zero written `-0e…` without a fraction: Jason 1.4.4 rebuilds such a token
    ///   from a literal "0" and reads +0.0 (so does the decoder, for JidoCode's bytes); Foundation
    ///   reads -0.0. Excused when ours is +0.0 and both are zero.
    ///
    /// - D6 a raw U+FEFF (`EF BB BF`) that starts a string or directly follows an escape is dropped
    ///   by Foundation (it decodes the raw runs between escapes separately and strips a leading BOM
    ///   from each): `"\u00e1<EF BB BF>89"` is "á\u{FEFF}89" here and "á89" in Foundation (found by
    ///   this fuzzer, Corpus/regressions/differential-foundation-drops-raw-bom-after-escape.json). For
    ///   keys this means `{"<EF BB BF>signature": …}` reads as "signature" in Foundation-based tools.
    ///   Normalized: those three bytes are removed.
    ///
    /// We accept, Foundation rejects:
    /// - A1 integers beyond the double range (`1` + 400 zeros): Foundation says "Number … is not
    ///   representable in Swift"; we keep the digits (Jason reads them as bignums). Normalized: the
    ///   token becomes `0`.
    /// - A2 depth: an empty container 513 levels deep (`[` × 512 `[]` `]` × 512). Our limit counts
    ///   open non-empty containers (StrictJSONDecoderTests/depthLimitIsEnforcedExactly pins `{}` at
    ///   depth 5 under limit 4); Foundation's limit of 512 counts every container.
    ///
    /// Foundation accepts, we reject:
    /// - R1 trailing commas: `[1,]`, `{"a":1,}` (Foundation accepts them; RFC 8259 and Jason do not).
    ///   Normalized: the comma is removed.
    /// - R2 a UTF-8 byte order mark: Foundation skips `EF BB BF`; JidoCode rejects it. Normalized:
    ///   the BOM is removed.
    /// - R3 UTF-16/UTF-32: a NUL among the first four bytes, or a UTF-16/32 BOM, makes Foundation
    ///   transcode (`{\0}\0` is UTF-16LE `{}`); JSON in a session file is UTF-8, and NUL is never valid
    ///   UTF-8 JSON outside an escape.
    /// - R4 our limits: a number token over 1024 characters (`0.000…1`), or a string over 10 MiB
    ///   or an input over 10 MiB (the last two unreachable at the fuzzers' -max_len). Normalized:
    ///   an over-long number becomes `0`.
    /// - R5 a number outside the double range (`1e309`), which JidoCode rejects: Foundation parses
    ///   numbers lazily and accepts one whose key a later duplicate overwrites (found by this fuzzer in
    ///   CI: Corpus/regressions/differential-foundation-accepts-overwritten-1e309.json). Normalized:
    ///   the token becomes `0`.
    /// Both reject: agreement (error positions and messages are not compared).
    public static func differential(_ input: [UInt8]) throws(InvariantViolation) {
        var bytes = input
        // Each round removes one excused difference; 64 rounds is far more than -max_len allows
        // to matter, and stopping early only forgoes checking the rest.
        for _ in 0..<64 {
            guard let normalized = try differentialRound(bytes) else { return }
            bytes = normalized
        }
    }

    /// One comparison; returns a normalized input to compare again, or nil when done.
    static func differentialRound(_ bytes: [UInt8]) throws(InvariantViolation) -> [UInt8]? {
        let check = "differential"
        let ours: Result<JSONDocument, JSONDecodingError>
        do { ours = .success(try StrictJSONDecoder().decode(bytes)) } catch { ours = .failure(error) }
        let theirs: Result<Any, NSError>
        do {
            theirs = .success(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]))
        } catch {
            theirs = .failure(error as NSError)
        }
        switch (ours, theirs) {
        case (.failure, .failure):
            return nil
        case let (.success(document), .success(value)):
            // D6: drop what Foundation drops, then compare again.
            let dropped = foundationDroppedByteOrderMarks(bytes)
            if !dropped.isEmpty {
                var normalized = bytes
                for offset in dropped.reversed() { normalized.removeSubrange(offset..<(offset + 3)) }
                return normalized
            }
            // Every duplicate, not only the ones the document's report names.
            try compare(document.value, value, pointer: "", duplicates: Set(DuplicateCensus.pointers(in: bytes)))
            return nil
        case let (.success(document), .failure(error)):
            let message = (error.userInfo["NSDebugDescription"] as? String) ?? "\(error)"
            // A1: "Number <token> is not representable in Swift."
            if message.hasPrefix("Number "), message.hasSuffix(" is not representable in Swift.") {
                let token = Array(message.utf8.dropFirst(7).dropLast(31))
                if let range = numberToken(token, in: bytes), case let .integer(integer)? = try? StrictJSONDecoder().decode(token).value,
                   Double(integer.description).map({ !$0.isFinite }) ?? true {
                    return Array(bytes[..<range.lowerBound]) + Array("0".utf8) + Array(bytes[range.upperBound...])
                }
            }
            // A2: 513 levels only because the innermost container is empty.
            if message.hasPrefix("Too many nested arrays or dictionaries"), nestingDepth(document.value) == 513 {
                return nil
            }
            throw InvariantViolation(check: check, message: "we accept, Foundation rejects (\(message))")
        case let (.failure(error), .success):
            // R3: Foundation detects UTF-16/UTF-32.
            if bytes.prefix(4).contains(0) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
                return nil
            }
            switch error.kind {
            case .byteOrderMark:  // R2
                return Array(bytes.dropFirst(3))
            case .numberTooLong:  // R4
                var end = error.offset
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                return Array(bytes[..<error.offset]) + Array("0".utf8) + Array(bytes[end...])
            case .stringTooLong, .inputTooLarge:  // R4
                return nil
            case .numberOutOfRange:  // R5
                var end = error.offset
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                return Array(bytes[..<error.offset]) + Array("0".utf8) + Array(bytes[end...])
            case let .unexpectedByte(byte) where byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}"):  // R1
                var comma = error.offset - 1
                while comma >= 0, [0x20, 0x0A, 0x09, 0x0D].contains(bytes[comma]) { comma -= 1 }
                if comma >= 0, bytes[comma] == UInt8(ascii: ",") {
                    return Array(bytes[..<comma]) + Array(bytes[(comma + 1)...])
                }
            default:
                break
            }
            throw InvariantViolation(check: check, message: "Foundation accepts, we reject: \(error)")
        }
    }

    /// Compares our value with Foundation's, excusing only the classes D1–D5 and D7. Linear apart
    /// from the pointer built per member (depth × key length each; the input is at most 8 KiB).
    package static func compare(_ ours: JSONValue, _ theirs: Any, pointer: String, duplicates: Set<String>) throws(InvariantViolation) {
        let check = "differential"
        func at() -> String { pointer.isEmpty ? "at the top level" : "at \(pointer)" }
        switch ours {
        case .null:
            try require(theirs is NSNull, check, "\(at()): null vs \(theirs)")
        case let .bool(b):
            guard let number = theirs as? NSNumber, isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): \(b) vs \(theirs)")
            }
            try require(number.boolValue == b, check, "\(at()): \(b) vs \(number)")
        case let .integer(integer):
            guard let number = theirs as? NSNumber, !isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): integer \(integer) vs \(theirs)")
            }
            if let decimal = number as? NSDecimalNumber {
                if decimal.description == integer.description { return }
                // D3
                let ratio = (Double(integer.description) ?? .nan) / decimal.doubleValue
                try require(significantDigits(integer.magnitude) > 38 && abs(ratio - 1) < 1e-14, check,
                            "\(at()): integer \(integer) vs NSDecimalNumber \(decimal)")
            } else if String(cString: number.objCType) == "d" {
                // D4
                let ratio = (Double(integer.description) ?? .nan) / number.doubleValue
                try require(!fitsIn64Bits(integer) && abs(ratio - 1) < 1e-14, check,
                            "\(at()): integer \(integer) vs double \(number.doubleValue)")
            } else {
                try require(number.stringValue == integer.description, check, "\(at()): integer \(integer) vs \(number.stringValue)")
            }
        case let .float(double):
            guard let number = theirs as? NSNumber, !isBoolean(number) else {
                throw InvariantViolation(check: check, message: "\(at()): float \(double) vs \(theirs)")
            }
            let other = number.doubleValue
            if other.bitPattern == double.bitPattern { return }
            // D7: Jason reads `-0e5` (a minus, a bare zero, an exponent) as +0.0; Foundation as -0.0.
            if double == 0, other == 0, double.sign == .plus { return }
            // D5
            let close = double == other || abs(double - other) <= 1e-14 * max(abs(double), abs(other))
            try require(number is NSDecimalNumber && close, check, "\(at()): float \(double) vs \(type(of: number)) \(other)")
        case let .string(string):
            guard let other = theirs as? String else {
                throw InvariantViolation(check: check, message: "\(at()): string vs \(theirs)")
            }
            try require(other.utf8.elementsEqual(string.utf8), check, "\(at()): string \(string.debugDescription) vs \(other.debugDescription)")
        case let .array(elements):
            guard let other = theirs as? [Any], other.count == elements.count else {
                throw InvariantViolation(check: check, message: "\(at()): array of \(elements.count) vs \(theirs)")
            }
            for (index, element) in elements.enumerated() {
                try compare(element, other[index], pointer: pointer + "/\(index)", duplicates: duplicates)
            }
        case let .object(object):
            guard let other = theirs as? [String: Any] else {
                throw InvariantViolation(check: check, message: "\(at()): object vs \(theirs)")
            }
            // Foundation's keys are Strings: canonically equivalent keys are one key there (D2). One
            // pass: each String (compared by canonical equivalence) with the bytes of its first
            // spelling; a key is merged when a spelling with other bytes follows.
            var firstSpelling: [String: String] = [:]
            var merged = Set<String>()
            for key in object.keys {
                if let first = firstSpelling[key] {
                    if !first.utf8.elementsEqual(key.utf8) { merged.insert(key) }
                } else {
                    firstSpelling[key] = key
                }
            }
            try require(other.count == firstSpelling.count, check, "\(at()): \(firstSpelling.count) distinct keys vs Foundation's \(other.count)")
            for member in object.members {
                let child = pointer + "/" + escapePointerToken(member.key)
                guard let value = other[member.key] else {
                    throw InvariantViolation(check: check, message: "\(at()): Foundation has no key \(member.key.debugDescription)")
                }
                if duplicates.contains(child) { continue }  // D1: Foundation kept a later value.
                if merged.contains(member.key) { continue }  // D2: Foundation kept the last of the equivalent keys.
                try compare(member.value, value, pointer: child, duplicates: duplicates)
            }
        }
    }

    /// Offsets of the raw `EF BB BF` sequences Foundation drops (D6) in a document we accepted: at the
    /// start of a string, or right after an escape sequence.
    static func foundationDroppedByteOrderMarks(_ bytes: [UInt8]) -> [Int] {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var offsets: [Int] = []
        var i = 0
        var inString = false
        func bomAt(_ at: Int) -> Bool { at + 3 <= bytes.count && bytes[at..<(at + 3)].elementsEqual(bom) }
        while i < bytes.count {
            switch (inString, bytes[i]) {
            case (false, UInt8(ascii: "\"")):
                inString = true
                i += 1
                if bomAt(i) { offsets.append(i) }
            case (true, UInt8(ascii: "\"")):
                inString = false
                i += 1
            case (true, UInt8(ascii: "\\")):
                i += bytes[i + 1] == UInt8(ascii: "u") ? 6 : 2
                if bomAt(i) { offsets.append(i) }
            default:
                i += 1
            }
        }
        return offsets
    }

    /// Foundation's booleans are the `__NSCFBoolean` singletons, not numbers that happen to be 0 or 1.
    static func isBoolean(_ number: NSNumber) -> Bool {
        type(of: number) == type(of: NSNumber(value: true))
    }

    static func fitsIn64Bits(_ integer: JSONInteger) -> Bool {
        integer.isNegative ? Int64(integer.description) != nil : UInt64(integer.magnitude) != nil
    }

    static func significantDigits(_ magnitude: String) -> Int {
        magnitude.utf8.reversed().drop { $0 == UInt8(ascii: "0") }.count
    }

    /// Nesting depth counting every container, empty ones included (a top-level `[]` is 1).
    static func nestingDepth(_ value: JSONValue) -> Int {
        var deepest = 0
        var pending: [(JSONValue, Int)] = [(value, 1)]
        while let (value, depth) = pending.popLast() {
            switch value {
            case let .array(elements):
                deepest = max(deepest, depth)
                pending += elements.map { ($0, depth + 1) }
            case let .object(object):
                deepest = max(deepest, depth)
                pending += object.members.map { ($0.value, depth + 1) }
            default:
                break
            }
        }
        return deepest
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                                                              UInt8(ascii: "e"), UInt8(ascii: "E")].contains(b)
    }

    /// The first occurrence of `token` in `bytes` that is a whole number token.
    static func numberToken(_ token: [UInt8], in bytes: [UInt8]) -> Range<Int>? {
        guard !token.isEmpty, token.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - token.count) where bytes[start..<(start + token.count)].elementsEqual(token) {
            let end = start + token.count
            if (start == 0 || !isNumberByte(bytes[start - 1])) && (end == bytes.count || !isNumberByte(bytes[end])) {
                return start..<end
            }
        }
        return nil
    }
}
