import JidoFuzzChecks
import JidoTestSupport
import Testing
@testable import JidoCore

/// The MAC-first path decides only what it can prove, and always as the scanning path does.
@Suite struct MACFirstVerificationTests {
    static func macFirst(_ bytes: [UInt8], key: SessionKey, limits: JSONLimits = .default) -> SignatureVerification? {
        bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: limits) }
    }

    static func scanning(_ bytes: [UInt8], key: SessionKey) -> SignatureVerification {
        bytes.withUnsafeBytes { SessionSignature.verifyScanning(fileBytes: $0, key: key) }
    }

    /// Every stored JidoCode file: both paths agree, and the MAC-first path decides every signed,
    /// canonical one (so JidoCode's real files take it).
    @Test(arguments: SessionSignatureTests.allFiles)
    func jidoCodeFilesTakeTheMACFirstPath(_ file: SessionSignatureTests.StoreFile) throws {
        let key = try SessionSignatureTests.key(file.store)
        let bytes = try SessionSignatureTests.bytes(file)
        #expect(SessionSignature.verify(fileBytes: bytes, key: key) == Self.scanning(bytes, key: key))
        let decided = Self.macFirst(bytes, key: key)
        #expect((decided != nil) == (file.kind == "signed"), "\(file.kind)")
        if let decided { #expect(decided.verdict == .valid && decided.isCanonical) }
    }

    static func object(_ keys: [String]) -> JSONObject {
        JSONObject(keys.map { ($0, JSONValue.array([.string("x\n  \"signature\": \"y\""), .object(JSONObject([("k", .integer(JSONInteger(12)))]))])) })
    }

    /// Signature first, in the middle, last; moved, duplicated, nested, re-indented, comma games: the
    /// MAC-first path takes only the file as written, and every variant gets the scanning verdict.
    @Test(arguments: [["a"], ["z"], ["a", "b", "version", "zz"], ["s", "signaturd"], ["signature0", "signaturf", "t"],
                      ["signatur", "signature\u{0}", "sig", "signature "], ["id", "conversation", "name", "project_path", "closed_at"]])
    func adversarialSignatureLines(_ keys: [String]) throws {
        let key = try SessionKey.ephemeral()
        let bytes = try SessionSignature.signedFileBytes(for: Self.object(keys), key: key)
        let decided = try #require(Self.macFirst(bytes, key: key))
        #expect(decided == Self.scanning(bytes, key: key))
        let variants = SignatureLineMutations.variants(of: bytes, seed: 7)
        #expect(variants.count > 20)
        for (name, variant) in variants {
            let verdict = SessionSignature.verify(fileBytes: variant, key: key)
            #expect(verdict == Self.scanning(variant, key: key), "\(name)")
            if variant != bytes { #expect(Self.macFirst(variant, key: key) == nil, "\(name) was decided by the MAC-first path") }
        }
    }

    /// What it leaves to the scanning path although the file is valid: no other member, an object of
    /// more than 32 members (hash order), a long number, a depth over the limit.
    @Test func leavesWhatItCannotProve() throws {
        let key = try SessionKey.ephemeral()
        let empty = try SessionSignature.signedFileBytes(for: JSONObject(), key: key)
        let large = try SessionSignature.signedFileBytes(for: JSONObject((0..<40).map { ("k\($0)", JSONValue.null) }), key: key)
        let nestedLarge = try SessionSignature.signedFileBytes(
            for: JSONObject([("a", .object(JSONObject((0..<33).map { ("k\($0)", JSONValue.null) })))]), key: key)
        let longNumber = try SessionSignature.signedFileBytes(
            for: JSONObject([("n", .integer(try #require(JSONInteger(isNegative: false, digits: String(repeating: "9", count: 30)))))]), key: key)
        let deep = try SessionSignature.signedFileBytes(for: JSONObject([("a", .array([.array([.array([.null])])]))]), key: key)
        for bytes in [empty, large, nestedLarge] {
            #expect(Self.macFirst(bytes, key: key) == nil)
            #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid)
        }
        let short = JSONLimits(maxNumberLength: 29)
        #expect(Self.macFirst(longNumber, key: key) != nil)
        #expect(Self.macFirst(longNumber, key: key, limits: short) == nil)
        #expect(SessionSignature.verify(fileBytes: longNumber, key: key, limits: short).verdict == .undecodable)
        #expect(Self.macFirst(deep, key: key) != nil)
        #expect(Self.macFirst(deep, key: key, limits: JSONLimits(maxDepth: 3)) == nil)
        #expect(SessionSignature.verify(fileBytes: deep, key: key, limits: JSONLimits(maxDepth: 3)).verdict == .undecodable)
        // Another key: not decided here, `invalid` from the scanning path.
        let other = try SessionKey.ephemeral()
        #expect(Self.macFirst(deep, key: other) == nil)
        #expect(SessionSignature.verify(fileBytes: deep, key: other).verdict == .invalid)
    }

    /// `jido-audit verify`'s reading: what `inspect` says of the verdict and the ambiguous keys, with
    /// the ambiguity walk skipped only for ASCII keys (a non-ASCII byte in a value does not count).
    @Test func verifyWithAmbiguityAnswersAsInspect() throws {
        let key = try SessionKey.ephemeral()
        let ambiguous = JSONObject([("caf\u{E9}", .null), ("cafe\u{301}", .null), ("n", .string("\u{E9}\\\""))])
        let ascii = JSONObject([("a\"\\b", .string("\u{E9}t\u{E9}")), ("z", .null)])
        for object in [ambiguous, ascii] {
            let bytes = try SessionSignature.signedFileBytes(for: object, key: key)
            let inspection = SessionFile.inspect(bytes: bytes, key: key)
            let (verification, keys) = bytes.withUnsafeBytes { SessionFile.verifyWithAmbiguity(bytes: $0, key: key) }
            #expect(verification == inspection.verification)
            #expect(keys == inspection.content.ambiguous)
            #expect(verification.verdict == .valid)
        }
        let bytes = try SessionSignature.signedFileBytes(for: ambiguous, key: key)
        #expect(bytes.withUnsafeBytes { SessionFile.verifyWithAmbiguity(bytes: $0, key: key) }.1.count == 1)
    }

    /// Keys as Jason escapes them compare with `signature` as their unescaped bytes do.
    @Test(arguments: [("signature", 0), ("signatur", -1), ("signaturf", 1), ("signaturd", -1), ("signature ", 1), ("signature0", 1),
                      ("sig\\\"", -1), ("signature\\u0000", 1), ("s", -1), ("t", 1), ("Z", -1), ("é", 1)])
    func keyOrderAgainstSignature(_ key: String, _ expected: Int) {
        let line = Array(("  \"" + key + "\": 1").utf8)
        #expect(line.withUnsafeBytes { MACFirstVerification.compareToSignature($0, keyAt: 3) } == expected)
    }
}
