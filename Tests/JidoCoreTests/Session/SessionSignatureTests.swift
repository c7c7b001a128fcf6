import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The JidoCode stores are the ground truth: every verdict, every duplicate, every derived key.
@Suite struct SessionSignatureTests {
    struct StoreFile: Sendable, CustomTestStringConvertible {
        let store: String
        let name: String
        let expected: SignatureVerdict
        let kind: String
        var testDescription: String { "\(store)/\(name)" }
    }

    struct Manifest {
        let hostname: String
        let derivedKeyHex: String
        let secretFile: URL
        let files: [StoreFile]
    }

    static func manifest(_ store: String) throws -> Manifest {
        let root = try TestVectors.directory().appendingPathComponent(store)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("manifest.json"))) as? [String: Any] ?? [:]
        let sessions = object["sessions"] as? [[String: Any]] ?? []
        let files = sessions.map { entry -> StoreFile in
            let name = (entry["file"] as? String) ?? ((entry["path"] as? String)?.split(separator: "/").last.map(String.init) ?? "")
            let verdict = (entry["jidocode_verdict"] as? String) ?? (entry["verify"] as? String) ?? ""
            return StoreFile(store: store, name: name, expected: SignatureVerdict(rawValue: verdict) ?? .undecodable,
                             kind: entry["kind"] as? String ?? "signed")
        }
        return Manifest(hostname: object["hostname"] as? String ?? "", derivedKeyHex: object["derived_key_hex"] as? String ?? "",
                        secretFile: root.appendingPathComponent("home/.jido_code/machine_secret"), files: files)
    }

    static func key(_ store: String) throws -> SessionKey {
        let manifest = try manifest(store)
        return try SessionKey.derive(machineSecret: TestVectors.readBytes(manifest.secretFile), hostname: manifest.hostname)
    }

    static func bytes(_ file: StoreFile) throws -> [UInt8] {
        try TestVectors.readBytes(TestVectors.directory().appendingPathComponent("\(file.store)/home/.jido_code/sessions/\(file.name)"))
    }

    static let allFiles: [StoreFile] = ((try? manifest("basic").files) ?? []) + ((try? manifest("mixed").files) ?? [])

    @Test func manifestsListEveryStoredFile() throws {
        #expect(try Self.manifest("basic").files.count == 5)
        #expect(try Self.manifest("mixed").files.count == 24)
        #expect(Self.allFiles.count == 29)
    }

    @Test(arguments: allFiles)
    func verdictMatchesJidoCode(_ file: StoreFile) throws {
        let key = try Self.key(file.store)
        let bytes = try Self.bytes(file)
        let result = SessionSignature.verify(fileBytes: bytes, key: key)
        #expect(result.verdict == file.expected)
        #expect(result.isCanonical == (file.kind != "duplicate_key"))
        // The fast path (canonical slices) and the slow path (decode, re-encode) agree.
        let slow = SessionSignature.verify(document: try StrictJSONDecoder().decode(bytes), key: key)
        #expect(slow.verdict == result.verdict)
        #expect(slow.duplicateKeys == result.duplicateKeys)
        if file.kind == "duplicate_key" {
            #expect(!result.duplicateKeys.isEmpty, "the duplicated key must be reported")
        } else {
            #expect(result.duplicateKeys.isEmpty)
        }
    }

    @Test(arguments: allFiles.filter { $0.kind == "signed" })
    func signingReproducesJidoCodeBytes(_ file: StoreFile) throws {
        let bytes = try Self.bytes(file)
        guard case let .object(object) = try StrictJSONDecoder().decode(bytes).value else {
            Issue.record("not an object")
            return
        }
        #expect(try SessionSignature.signedFileBytes(for: object, key: Self.key(file.store)) == bytes)
    }

    @Test func signThenVerifyRoundTripsAndAnyOtherKeyFails() throws {
        let key = try SessionKey.ephemeral()
        let object = JSONObject([("id", .string("5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10")), ("n", .integer(JSONInteger(7))),
                                 ("f", .float(1.0e-6)), ("s", .string("é\u{1}\"")), ("signature", .string("stale"))])
        let bytes = try SessionSignature.signedFileBytes(for: object, key: key)
        #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid)
        #expect(SessionSignature.verify(fileBytes: bytes, key: try SessionKey.ephemeral()).verdict == .invalid)
        // Encoding is a fixed point.
        #expect(try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value) == bytes)
    }

    /// The spliced signature member lands exactly where a full re-encoding puts it.
    @Test(arguments: [[], ["a"], ["z"], ["s", "signaturd"], ["signature0", "signaturf", "t"], ["a", "b", "version", "zz"],
                      ["signatur", "signature\u{0}", "sig"]])
    func splicedSignatureEqualsFullEncoding(_ keys: [String]) throws {
        let key = try SessionKey.ephemeral()
        var object = JSONObject(keys.map { ($0, JSONValue.array([.string("x\n  \"y\""), .object(JSONObject([("k", .null)]))])) })
        let bytes = try SessionSignature.signedFileBytes(for: object, key: key)
        let decoded = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
        #expect(try CanonicalJSON.encode(.object(decoded)) == bytes)
        object["signature"] = decoded["signature"]
        #expect(try CanonicalJSON.encode(.object(object)) == bytes)
        #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid)
    }

    /// No single-byte change of a signed file verifies unless it leaves the signed content the same
    /// (JidoCode signs the canonical re-encoding, so `\u001F` -> `\u001f` or `e-4` -> `E-4` still
    /// verify there too); such a file is then reported as not canonical.
    @Test(arguments: allFiles.filter { $0.store == "basic" && ($0.name.hasPrefix("d4e5") || $0.name.hasPrefix("0b9d")) })
    func flippingAnyByteNeverYieldsValidForDifferentContent(_ file: StoreFile) throws {
        let key = try Self.key(file.store)
        var bytes = try Self.bytes(file)
        let original = try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value, omittingTopLevelKey: "signature")
        #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid)
        var sameContent = 0
        for index in bytes.indices {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                bytes[index] ^= mask
                let result = SessionSignature.verify(fileBytes: bytes, key: key)
                if result.verdict == .valid {
                    sameContent += 1
                    let content = try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value, omittingTopLevelKey: "signature")
                    #expect(content == original, "byte \(index) ^ \(mask) verifies with different content")
                    #expect(!result.isCanonical)
                }
                bytes[index] ^= mask
            }
        }
        #expect(sameContent < 4)
    }

    @Test(arguments: [
        ("{\"signature\": 5}", SignatureVerdict.malformed),
        ("{\"signature\": \"abc\"}", .malformed),
        ("{\"signature\": \"Zm9v\\u0020\"}", .malformed),
        ("{\"signature\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\"}", .malformed), // non-zero pad bits
        ("{\"signature\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}", .invalid),
        ("{\"a\": 1}", .unsigned),
        ("[1]", .undecodable),
        ("{\"a\": 1", .undecodable),
        ("", .undecodable),
    ])
    func classifiesEveryOutcome(_ text: String, _ expected: SignatureVerdict) throws {
        let result = SessionSignature.verify(fileBytes: Array(text.utf8), key: try SessionKey.ephemeral())
        #expect(result.verdict == expected)
        #expect((result.detail != nil) == (expected == .malformed || expected == .undecodable))
    }
}
