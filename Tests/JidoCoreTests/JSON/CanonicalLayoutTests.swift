import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The one-pass canonical scanner must accept exactly the canonical encodings, and its signed
/// slices must equal the re-encoded document without its signature.
@Suite struct CanonicalLayoutTests {
    static func scan(_ bytes: [UInt8]) -> CanonicalLayout? {
        bytes.withUnsafeBytes { CanonicalLayout.scan($0, limits: .default) }
    }

    static func signedBytes(_ bytes: [UInt8], _ layout: CanonicalLayout) -> [UInt8]? {
        guard let signature = layout.signature else { return nil }
        if signature.signedSlices.isEmpty { return Array("{}".utf8) }
        return signature.signedSlices.flatMap { bytes[$0] }
    }

    @Test func acceptsEveryCanonicalVectorAndOnlyCanonicalInputs() throws {
        for vector in try TestVectors.canonicalCases() {
            if let canonical = vector.canonical {
                #expect(Self.scan(canonical) != nil, "line \(vector.line) not recognised: \(String(decoding: canonical.prefix(60), as: UTF8.self))")
            }
            if Self.scan(vector.input) != nil {
                let reencoded = try CanonicalJSON.encode(try StrictJSONDecoder().decode(vector.input).value)
                #expect(reencoded == vector.input, "line \(vector.line) accepted but not canonical")
            }
        }
    }

    @Test(arguments: [
        "{\n  \"signature\": \"x\"\n}",
        "{\n  \"a\": 1,\n  \"signature\": \"x\"\n}",
        "{\n  \"signature\": \"x\",\n  \"z\": [\n    1\n  ]\n}",
        "{\n  \"a\": {\n    \"signature\": 2\n  },\n  \"signature\": [\n    \"x\"\n  ],\n  \"t\": {}\n}",
        "{\n  \"a\": 1\n}",
        "[\n  {\n    \"signature\": \"x\"\n  }\n]",
    ])
    func signedSlicesEqualReencodingWithoutSignature(_ text: String) throws {
        let bytes = Array(text.utf8)
        let layout = try #require(Self.scan(bytes))
        let value = try StrictJSONDecoder().decode(bytes).value
        #expect(try CanonicalJSON.encode(value) == bytes)
        if case let .object(object) = value, object["signature"] != nil {
            #expect(Self.signedBytes(bytes, layout) == (try CanonicalJSON.encode(value, omittingTopLevelKey: "signature")))
        } else {
            #expect(layout.signature == nil)
        }
    }

    @Test(arguments: [
        "{\n  \"b\": 1,\n  \"a\": 2\n}",          // unsorted
        "{\n  \"b\": 1,\n  \"\\\"\": 2\n}",      // unsorted: '"' (0x22) sorts before 'b'
        "{\n  \"a\": 1,\n  \"a\": 2\n}",          // duplicate
        "{\n  \"a\":1\n}",                        // spacing
        "{\n   \"a\": 1\n}",                      // indent
        "{\n  \"a\": 1\n}\n",                     // trailing newline
        "[\n  1.0e2\n]", "[\n  -0\n]", "[\n  01\n]", "[\n  1E5\n]", "[\n  100\n,]",
        "\"\\/\"", "\"\\u001f\"", "\"\\u000A\"", "\"\\u0041\"", "\"\t\"",
        "{\n  \"\\t\": 1,\n  \"\\u0001\": 1\n}",    // escaped keys out of byte order
        "{ }", "[ ]", "",
    ])
    func rejectsNonCanonical(_ text: String) {
        #expect(Self.scan(Array(text.utf8)) == nil)
    }

    @Test func everyStoredSessionIsCanonical() throws {
        let directory = try TestVectors.directory()
        for store in ["basic", "mixed"] {
            let sessions = directory.appendingPathComponent("\(store)/home/.jido_code/sessions")
            for name in try FileManager.default.contentsOfDirectory(atPath: sessions.path) {
                let bytes = try TestVectors.readBytes(sessions.appendingPathComponent(name))
                let decoded = try StrictJSONDecoder().decode(bytes)
                let canonical = try CanonicalJSON.encode(decoded.value) == bytes
                let layout = Self.scan(bytes)
                #expect((layout != nil) == canonical, "\(store)/\(name)")
                if let layout, let signed = Self.signedBytes(bytes, layout) {
                    #expect(signed == (try CanonicalJSON.encode(decoded.value, omittingTopLevelKey: "signature")))
                }
            }
        }
    }
}
