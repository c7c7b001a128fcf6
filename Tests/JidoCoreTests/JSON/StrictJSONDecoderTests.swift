import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

@Suite struct StrictJSONDecoderTests {
    func decode(_ text: String, limits: JSONLimits = .default) throws(JSONDecodingError) -> JSONDocument {
        try StrictJSONDecoder(limits: limits).decode(Array(text.utf8))
    }

    func kind(of text: String, limits: JSONLimits = .default) -> JSONDecodingError.Kind? {
        do {
            _ = try decode(text, limits: limits)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func firstDuplicateWinsAndEveryDuplicateIsReportedWithItsPath() throws {
        let document = try decode(#"{"a":{"b":1,"b":2,"b":3},"a":4,"x/y~":[{"k":1,"k":2}],"x/y~":0}"#)
        #expect(document.duplicateKeys == ["/a/b", "/a/b", "/a", "/x~1y~0/0/k", "/x~1y~0"])
        let object = try #require(document.value.objectValue)
        #expect(object.keys == ["a", "x/y~"])
        #expect(object["a"]?.objectValue?["b"] == .integer(JSONInteger(1)))
    }

    @Test func duplicatesAreFoundInLargeObjects() throws {
        let members = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let document = try decode("{\(members),\"k42\":0,\"k99\":0}")
        #expect(document.duplicateKeys == ["/k42", "/k99"])
        #expect(document.value.objectValue?["k42"] == .integer(JSONInteger(42)))
    }

    /// 200,000 repeats of one key: every one is counted, the first 32 named; an object of 100,000
    /// keys decodes with its duplicate check in place (it copied its key set on every member,
    /// quadratic: 7 s for 40,000 keys, found by the hostile-input review).
    @Test func duplicatesAreCountedAndTheFirstOnesNamed() throws {
        let text = "{" + Array(repeating: "\"a\":1", count: 200_000).joined(separator: ",") + "}"
        let document = try decode(text)
        #expect(document.duplicates.count == 199_999)
        #expect(document.duplicateKeys == Array(repeating: "/a", count: JSONPointer.maxReportedKeys))
        #expect(document.duplicates.unlisted == 199_999 - JSONPointer.maxReportedKeys)
        let wide = "{" + (0..<100_000).map { "\"k\($0)\":0" }.joined(separator: ",") + ",\"k7\":1}"
        let decoded = try decode(wide)
        #expect(decoded.duplicateKeys == ["/k7"] && decoded.value.objectValue?.count == 100_000)
    }

    /// A duplicate 300 levels under 3,000-byte keys: its pointer is cut at 1,024 bytes, at a
    /// character boundary, and ends with an ellipsis (building it whole took depth × key length
    /// per duplicate).
    @Test func longPointersAreCutAtACharacterBoundary() throws {
        let key = String(repeating: "\u{E9}", count: 1_500) // 3,000 bytes of two-byte characters
        let text = String(repeating: "{\"\(key)\":", count: 300) + "{\"x\":1,\"x\":2}" + String(repeating: "}", count: 300)
        let pointer = try #require(decode(text).duplicateKeys.first)
        #expect(pointer.hasSuffix("…"))
        #expect(pointer.utf8.count <= JSONPointer.maxReportedBytes + "…".utf8.count)
        #expect(pointer.hasPrefix("/" + String(repeating: "\u{E9}", count: 100)))
        #expect(JSONPointer.reported(["a/b", "~"]) == "/a~1b/~0")
    }

    /// Keys are compared by bytes: U+00E9 and "e" + U+0301 are different keys (as in Erlang).
    @Test func keysAreComparedByteForByteNotByCanonicalEquivalence() throws {
        let document = try decode("{\"\u{E9}\":1,\"e\u{301}\":2}")
        #expect(document.duplicateKeys.isEmpty)
        #expect(document.value.objectValue?.count == 2)
        #expect(JSONValue.string("\u{E9}") != .string("e\u{301}"))
    }

    @Test func integersKeepEveryDigitAndNegativeZeroIsZero() throws {
        let big = "-" + String(repeating: "9", count: 400)
        #expect(try decode(big).value == .integer(try #require(JSONInteger(isNegative: true, digits: String(repeating: "9", count: 400)))))
        #expect(try decode("-0").value == .integer(JSONInteger(0)))
        #expect(try decode("-0.0").value.floatBits == (-0.0).bitPattern)
        #expect(try decode("1e-400").value.floatBits == 0.0.bitPattern)
    }

    /// Jason 1.4.4 rebuilds `-0` followed by an exponent from the literal "0" (its `number_zero`
    /// clause), so the sign is lost: +0.0, which encodes as `0.0`. With a fraction the sign stays.
    @Test(arguments: ["-0e0", "-0E5", "-0e-3", "-0E+12", "-0e400"])
    func negativeZeroWithOnlyAnExponentIsPositiveZero(_ text: String) throws {
        #expect(try decode(text).value.floatBits == 0.0.bitPattern)
        #expect(try CanonicalJSON.encode(decode(text).value) == Array("0.0".utf8))
    }

    @Test(arguments: ["-0.0e5", "-0.0E-3", "-0.0"])
    func negativeZeroWithAFractionKeepsItsSign(_ text: String) throws {
        #expect(try decode(text).value.floatBits == (-0.0).bitPattern)
        #expect(try CanonicalJSON.encode(decode(text).value) == Array("-0.0".utf8))
    }

    @Test(arguments: [
        ("\u{FEFF}{}", "bom"), ("{} x", "trailing"), ("[1,]", "byte"), ("\"\\ud800\"", "surrogate"),
        ("\"\\udc00\"", "surrogate"), ("\"\\ud800\\u0041\"", "surrogate"), ("\"\\q\"", "escape"), ("\"\\u12g4\"", "escape"),
        ("1e309", "range"), ("-1e309", "range"), ("[", "end"), ("\"abc", "end"), ("nul", "byte"), ("01", "byte"),
    ])
    func rejects(_ text: String, _ expected: String) {
        let result = kind(of: text)
        switch (result, expected) {
        case (.byteOrderMark?, "bom"), (.trailingData?, "trailing"), (.unexpectedByte?, "byte"), (.loneSurrogate?, "surrogate"),
             (.invalidEscape?, "escape"), (.numberOutOfRange?, "range"), (.unexpectedEnd?, "end"):
            break
        default:
            Issue.record("\(text.debugDescription): got \(String(describing: result)), expected \(expected)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
                               [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xFF, 0x22], [0x22, 0x80, 0x22]] {
            #expect(throws: JSONDecodingError(.invalidUTF8, at: 1)) { try StrictJSONDecoder().decode(bytes) }
        }
    }

    // MARK: - Limits

    @Test func depthLimitIsEnforcedExactly() {
        let limits = JSONLimits(maxDepth: 4)
        #expect(kind(of: "[[[[1]]]]", limits: limits) == nil)
        #expect(kind(of: "[[[[[1]]]]]", limits: limits) == .depthLimitExceeded(limit: 4))
        #expect(kind(of: "{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}", limits: limits) == nil)
        #expect(kind(of: "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}", limits: limits) == .depthLimitExceeded(limit: 4))
    }

    /// 100,000 nested arrays return an error, also on a thread with a small stack (no recursion).
    @Test func hundredThousandBracketsOnASmallStackThreadReturnAnError() async {
        let input = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        let outcome: String = await withCheckedContinuation { continuation in
            let thread = Thread {
                do {
                    _ = try StrictJSONDecoder().decode(input)
                    continuation.resume(returning: "accepted")
                } catch let error as JSONDecodingError {
                    continuation.resume(returning: "\(error.kind)")
                } catch {
                    continuation.resume(returning: "\(error)")
                }
            }
            thread.stackSize = 128 * 1024
            thread.start()
        }
        #expect(outcome == "\(JSONDecodingError.Kind.depthLimitExceeded(limit: 512))")
        // Unlimited depth is still iterative: it ends in unexpectedEnd, not a stack overflow.
        #expect(throws: JSONDecodingError(.unexpectedEnd, at: 100_000)) {
            try StrictJSONDecoder(limits: JSONLimits(maxDepth: .max)).decode(input)
        }
    }

    @Test func inputStringAndNumberLimits() {
        let small = JSONLimits(maxInputBytes: 10, maxStringBytes: 3, maxNumberLength: 4)
        #expect(kind(of: "[1,2,3,4,5,6]", limits: small) == .inputTooLarge(limit: 10))
        #expect(kind(of: "\"abc\"", limits: small) == nil)
        #expect(kind(of: "\"abcd\"", limits: small) == .stringTooLong(limit: 3))
        #expect(kind(of: "\"a\\nbc\"", limits: small) == .stringTooLong(limit: 3))
        #expect(kind(of: "1234", limits: small) == nil)
        #expect(kind(of: "-1234", limits: small) == .numberTooLong(limit: 4))
        #expect(JSONLimits.default.maxDepth == 512 && JSONLimits.default.maxInputBytes == 10 << 20)
    }

    /// Pretty printing grows with depth squared: the encoder is iterative, streams in bounded
    /// chunks, and `encode` refuses to build more than its output limit.
    @Test func canonicalEncoderIsIterativeBoundedAndRejectsNonFiniteFloats() throws {
        var value = JSONValue.array([.integer(JSONInteger(1))])
        for _ in 0..<3_000 { value = .array([value]) }
        let encoded = try CanonicalJSON.encode(value)
        #expect(encoded.count > 18_000_000)
        var streamed: [UInt8] = []
        var largestChunk = 0
        try CanonicalJSON.stream(value, chunkSize: 4096) { chunk in
            largestChunk = max(largestChunk, chunk.count)
            streamed += chunk
            return true
        }
        #expect(streamed == encoded)
        #expect(largestChunk < 4096 + 2 * 3_002 + 16)
        #expect(throws: CanonicalEncodingError.outputTooLarge(limit: 1 << 20)) {
            try CanonicalJSON.encode(value, maxOutputBytes: 1 << 20)
        }
        #expect(throws: CanonicalEncodingError.nonFiniteFloat) { try CanonicalJSON.encode(.float(.infinity)) }
        #expect(throws: CanonicalEncodingError.nonFiniteFloat) { try CanonicalJSON.encode(.array([.float(.nan)])) }
    }
}

extension JSONValue {
    var floatBits: UInt64? { if case let .float(d) = self { d.bitPattern } else { nil } }
}
