import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The signing cache (element encodings + resumed MAC state) must never change a byte of the
/// output: after every edit, the cached signing equals a fresh one.
@Suite struct SigningCacheTests {
    static func message(_ i: Int, _ content: String) -> JSONValue {
        .object(JSONObject([("id", .string("m\(i)")), ("role", .string(i % 2 == 0 ? "user" : "assistant")),
                            ("content", .string(content)), ("timestamp", .string("2026-01-01T00:00:00Z"))]))
    }

    static func document(_ conversation: [JSONValue], closedAt: String = "2026-01-02T00:00:00Z") -> JSONObject {
        JSONObject([("version", .integer(JSONInteger(1))), ("id", .string("6f1c2b8e-3d4a-4b5c-9d6e-7f8091a2b3c4")),
                    ("closed_at", .string(closedAt)), ("config", .object(JSONObject([("model", .string("m"))]))),
                    ("conversation", .array(conversation)), ("todos", .array([])), ("name", .string("n"))])
    }

    /// Signs `object` with the cache and without; both must be byte-equal and verify.
    static func check(_ object: JSONObject, key: SessionKey, cache: inout SigningCache?, _ step: String) throws {
        let cached = try SessionSignature.signedFile(for: object, key: key, cache: &cache).bytes
        let fresh = try SessionSignature.signedFileBytes(for: object, key: key)
        #expect(cached == fresh, "\(step): cached signing differs from a fresh one")
        #expect(SessionSignature.verify(fileBytes: fresh, key: key).verdict == .valid, "\(step)")
    }

    @Test func everyEditGivesTheFreshBytes() throws {
        let key = try SessionKey.ephemeral()
        var cache: SigningCache? = SigningCache(key: key, order: .otp27, memberKey: "conversation")
        var messages = (0..<20).map { Self.message($0, "text \($0) with \"quotes\"\tand\nlines") }
        try Self.check(Self.document(messages), key: key, cache: &cache, "first")
        try Self.check(Self.document(messages), key: key, cache: &cache, "unchanged")
        messages.append(Self.message(20, "appended"))
        try Self.check(Self.document(messages), key: key, cache: &cache, "append")
        #expect(cache?.lastSigningResumed == true, "an append resumes the MAC after the unchanged messages")
        #expect(cache?.elements?.elements.count == messages.count)
        // Same length, one byte different, early in the conversation (before the MAC snapshot).
        messages[1] = Self.message(1, "text 1 with \"quotes\"\tand\nlineS")
        try Self.check(Self.document(messages), key: key, cache: &cache, "edit inside")
        // Canonically equivalent but different bytes (NFC vs NFD): must not count as unchanged.
        messages[2] = Self.message(2, "caf\u{E9}")
        try Self.check(Self.document(messages), key: key, cache: &cache, "nfc")
        messages[2] = Self.message(2, "cafe\u{301}")
        try Self.check(Self.document(messages), key: key, cache: &cache, "nfd")
        // A member before the conversation changes: the MAC prefix no longer matches.
        try Self.check(Self.document(messages, closedAt: "2026-01-03T00:00:00Z"), key: key, cache: &cache, "closed_at")
        #expect(cache?.lastSigningResumed == false, "a changed prefix starts the MAC over")
        messages.removeLast(3)
        try Self.check(Self.document(messages, closedAt: "2026-01-03T00:00:00Z"), key: key, cache: &cache, "truncate")
        try Self.check(Self.document([], closedAt: "2026-01-03T00:00:00Z"), key: key, cache: &cache, "empty")
        var without = Self.document(messages)
        without["conversation"] = nil
        try Self.check(without, key: key, cache: &cache, "no conversation")
        try Self.check(Self.document(messages), key: key, cache: &cache, "back")
        // A float whose sign differs only in its bit pattern, and nested containers.
        messages.append(.object(JSONObject([("id", .string("f")), ("x", .float(-0.0)), ("y", .array([.array([.null])]))])))
        try Self.check(Self.document(messages), key: key, cache: &cache, "nested")
        messages[messages.count - 1] = .object(JSONObject([("id", .string("f")), ("x", .float(0.0)), ("y", .array([.array([.null])]))]))
        try Self.check(Self.document(messages), key: key, cache: &cache, "zero sign")
    }

    @Test func aCacheMadeForAnotherKeyIsIgnored() throws {
        let first = try SessionKey.ephemeral(), second = try SessionKey.ephemeral()
        var cache: SigningCache? = SigningCache(key: first, order: .otp27, memberKey: "conversation")
        let object = Self.document((0..<5).map { Self.message($0, "x") })
        _ = try SessionSignature.signedFile(for: object, key: first, cache: &cache)
        let bytes = try SessionSignature.signedFile(for: object, key: second, cache: &cache).bytes
        #expect(bytes == (try SessionSignature.signedFileBytes(for: object, key: second)))
        #expect(SessionSignature.verify(fileBytes: bytes, key: second).verdict == .valid)
        #expect(SessionSignature.verify(fileBytes: bytes, key: first).verdict == .invalid)
    }

    @Test func randomEditSequencesGiveTheFreshBytes() throws {
        let key = try SessionKey.ephemeral()
        var cache: SigningCache? = SigningCache(key: key, order: .otp27, memberKey: "conversation")
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let alphabet = ["a", "\"", "\\", "\n", "é", "e\u{301}", "\u{1}", "🙂", " "]
        var messages: [JSONValue] = []
        for step in 0..<300 {
            let text = (0..<next(12)).map { _ in alphabet[next(alphabet.count)] }.joined()
            switch next(5) {
            case 0, 1: messages.append(Self.message(messages.count, text))
            case 2 where !messages.isEmpty: messages[next(messages.count)] = Self.message(next(50), text)
            case 3 where !messages.isEmpty: messages.removeLast(next(min(3, messages.count) + 1))
            default: break
            }
            try Self.check(Self.document(messages, closedAt: next(10) == 0 ? text : "c"), key: key, cache: &cache, "step \(step)")
        }
    }

    /// A cache primed from a signed file re-signs the unchanged document to the file's exact bytes
    /// (resuming its MAC state), and signs an appended document as a fresh signing does.
    static func checkPrimed(_ file: [UInt8], object: JSONObject, key: SessionKey, _ name: String) throws {
        var unsigned = object
        unsigned[SessionSignature.memberName] = nil
        let conversation = unsigned["conversation"]?.arrayValue ?? []
        var cache = try SigningCache.primed(fromCanonicalFile: file, conversation: conversation, key: key, order: .otp27, memberKey: "conversation")
        guard cache != nil else {
            #expect(conversation.isEmpty, "\(name): a non-empty conversation could not be split")
            return
        }
        #expect(try SessionSignature.signedFile(for: unsigned, key: key, cache: &cache).bytes == file, "\(name): primed re-signing")
        #expect(cache?.lastSigningResumed == true, "\(name)")
        var grown = unsigned
        grown["conversation"] = .array(conversation + [Self.message(99, "appended")])
        try Self.check(grown, key: key, cache: &cache, "\(name): append after priming")
    }

    @Test func primingFromJidoCodesFilesReproducesThem() throws {
        let directory = try TestVectors.directory()
        var primed = 0
        for store in ["basic", "mixed"] {
            let key = try SessionSignatureTests.key(store)
            let sessions = directory.appendingPathComponent("\(store)/home/.jido_code/sessions")
            for name in try FileManager.default.contentsOfDirectory(atPath: sessions.path).sorted() {
                let file = try TestVectors.readBytes(sessions.appendingPathComponent(name))
                let result = SessionSignature.verify(fileBytes: file, key: key)
                guard result.verdict == .valid, result.isCanonical,
                      let object = try StrictJSONDecoder().decode(file).value.objectValue else { continue }
                try Self.checkPrimed(file, object: object, key: key, "\(store)/\(name)")
                primed += 1
            }
        }
        #expect(primed >= 10)
    }

    @Test func primingSplitsEveryKindOfElement() throws {
        let key = try SessionKey.ephemeral()
        let elements: [JSONValue] = [
            Self.message(0, "line\nbreak,\n    {\"x\": 1},"), .null, .integer(JSONInteger(-7)), .float(-0.0), .string("a,"),
            .array([]), .object(JSONObject()), .array([.array([.object(JSONObject([("k", .array([.null]))]))])]),
            .object(JSONObject([("nested", .object(JSONObject([("deeper", .string("    }"))])))])), .bool(true),
        ]
        for count in [1, 2, elements.count] {
            let object = Self.document(Array(elements.prefix(count)))
            let file = try SessionSignature.signedFileBytes(for: object, key: key)
            try Self.checkPrimed(file, object: object, key: key, "\(count) elements")
        }
        // Not split: no conversation, an empty one, or a count that does not match.
        let empty = try SessionSignature.signedFileBytes(for: Self.document([]), key: key)
        #expect(try SigningCache.primed(fromCanonicalFile: empty, conversation: [], key: key, order: .otp27, memberKey: "conversation") == nil)
        let two = try SessionSignature.signedFileBytes(for: Self.document(Array(elements.prefix(2))), key: key)
        #expect(try SigningCache.primed(fromCanonicalFile: two, conversation: [.null], key: key, order: .otp27, memberKey: "conversation") == nil)
    }
}
