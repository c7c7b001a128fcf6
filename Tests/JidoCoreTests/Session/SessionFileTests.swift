import Testing
@testable import JidoCore

/// `SessionFile.inspect`: the verification, the schema and the ambiguous keys of a file in one
/// call; the fast path (no decode) and the exact path give the same answers.
@Suite struct SessionFileTests {
    static let key: SessionKey? = try? SessionKey.derive(machineSecret: Array(repeating: 0x61, count: 64), hostname: "h")

    func key() throws -> SessionKey { try #require(Self.key) }

    func signed(_ object: JSONObject) throws -> [UInt8] { try SessionSignature.signedFileBytes(for: object, key: key()) }

    /// The same signed file, no longer canonical (a space before the first newline): it still
    /// verifies, on the slow path.
    func respaced(_ bytes: [UInt8]) -> [UInt8] {
        guard let i = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return bytes }
        var out = bytes
        out.insert(UInt8(ascii: " "), at: i)
        return out
    }

    /// The schema's answer without the decoded session (which only some paths carry).
    func answer(_ schema: SessionFile.Schema) -> String {
        switch schema {
        case let .valid(id, closedAt, _): return "valid \(id) \(closedAt ?? "-")"
        case let .invalid(error): return "invalid \(error)"
        case let .undecodable(detail): return "undecodable \(detail)"
        }
    }

    @Test func aCanonicalASCIIFileIsAnsweredWithoutDecoding() throws {
        let bytes = try signed(SessionSchemaTests.base)
        let inspection = SessionFile.inspect(bytes: bytes, key: try key())
        #expect(inspection.verification.verdict == .valid && inspection.verification.isCanonical)
        #expect(inspection.content.schema == .valid(id: try #require(SessionID(SessionSchemaTests.id)), closedAt: "2026-01-02T00:00:00Z", session: nil))
        #expect(inspection.content.document == nil, "not decoded")
        #expect(inspection.content.ambiguousKeys.isEmpty)
        // The store's reading decodes once, for the session.
        let full = SessionFile.inspect(bytes: bytes, key: try key(), needs: .session)
        guard case let .valid(_, _, session?) = full.content.schema else {
            Issue.record("no session: \(full.content.schema)")
            return
        }
        #expect(session.document == (try Session(document: SessionSchemaTests.base)).document)
        #expect(full.content.document != nil)
    }

    @Test func aFileThatIsNotCanonicalIsDecodedOnceByTheVerification() throws {
        let bytes = respaced(try signed(SessionSchemaTests.base))
        let inspection = SessionFile.inspect(bytes: bytes, key: try key())
        #expect(inspection.verification.verdict == .valid && !inspection.verification.isCanonical)
        guard case let .valid(_, _, session?) = inspection.content.schema else {
            Issue.record("the decoded session is kept: \(inspection.content.schema)")
            return
        }
        #expect(session.id.rawValue == SessionSchemaTests.id)
    }

    /// Non-ASCII keys send even a canonical file to the decoder, for the ambiguous keys.
    @Test func nonASCIIKeysAreDecodedForAmbiguity() throws {
        var object = SessionSchemaTests.base
        object["caf\u{E9}"] = .integer(JSONInteger(1))
        object["cafe\u{301}"] = .integer(JSONInteger(2))
        let bytes = try signed(object)
        let inspection = SessionFile.inspect(bytes: bytes, key: try key())
        #expect(inspection.verification.isCanonical)
        #expect(inspection.content.document != nil)
        #expect(inspection.content.ambiguousKeys.count == 1)
        #expect(SessionFile.inspect(bytes: bytes, limits: .default).ambiguousKeys == inspection.content.ambiguousKeys)
    }

    /// Crafted documents (valid and not): the fast path, the slow path, the store's reading and the
    /// keyless reading all give the same schema answer, and it is `Session(document:)`'s.
    @Test func everyPathGivesTheSameSchemaAnswer() throws {
        var documents = [SessionSchemaTests.base]
        for field in SessionSchema.fields {
            var missing = SessionSchemaTests.base
            missing[field.key] = nil
            documents.append(missing)
            var wrong = SessionSchemaTests.base
            wrong[field.key] = .bool(true)
            documents.append(wrong)
        }
        var message = SessionSchemaTests.message
        message["role"] = .string("bot")
        var badRole = SessionSchemaTests.base
        badRole["conversation"] = .array([.object(message)])
        documents.append(badRole)
        for document in documents {
            let expected: String
            do { let session = try Session(document: document); expected = "valid \(session.id) \(session.document["closed_at"]?.stringValue ?? "-")" } catch {
                expected = "invalid \(error)"
            }
            let canonical = try signed(document)
            for bytes in [canonical, respaced(canonical)] {
                for needs in [SessionFile.Needs.facts, .session] {
                    let inspection = SessionFile.inspect(bytes: bytes, key: try key(), needs: needs)
                    #expect(inspection.verification.verdict == .valid)
                    #expect(answer(inspection.content.schema) == expected)
                    if needs == .session, case let .valid(_, _, session) = inspection.content.schema { #expect(session != nil) }
                }
                #expect(bytes.withUnsafeBytes { answer(SessionFile.inspect(bytes: $0).schema) } == expected)
            }
        }
    }

    @Test func undecodableFilesAndOtherValues() throws {
        for text in ["", "{\"a\": 1", "[1]", "\u{FEFF}{}"] {
            let inspection = SessionFile.inspect(bytes: Array(text.utf8), key: try key())
            #expect(inspection.verification.verdict == .undecodable)
            #expect(inspection.content.schema == .undecodable(inspection.verification.detail ?? "?"))
            let content = Array(text.utf8).withUnsafeBytes { SessionFile.inspect(bytes: $0) }
            guard case .undecodable = content.schema else {
                Issue.record("\(text.debugDescription): \(content.schema)")
                continue
            }
        }
        // Unsigned and invalid files still get their schema answer.
        var object = SessionSchemaTests.base
        let unsigned = try CanonicalJSON.encode(.object(object))
        let inspection = SessionFile.inspect(bytes: unsigned, key: try key())
        #expect(inspection.verification.verdict == .unsigned)
        #expect(answer(inspection.content.schema).hasPrefix("valid"))
        object["version"] = .integer(JSONInteger(2))
        var tampered = try signed(SessionSchemaTests.base)
        let replaced = try signed(object)
        // The signature of the valid document over the content of the invalid one.
        let signature = try #require(StrictJSONDecoder().decode(tampered).value.objectValue?["signature"])
        var forged = try #require(StrictJSONDecoder().decode(replaced).value.objectValue)
        forged["signature"] = signature
        tampered = try CanonicalJSON.encode(.object(forged))
        let invalid = SessionFile.inspect(bytes: tampered, key: try key())
        #expect(invalid.verification.verdict == .invalid)
        #expect(invalid.content.schema == .invalid(SchemaError(pointer: "/version", reason: "version 2 is not supported")))
    }

    // MARK: - Decoding what changed since a known file

    /// Message `i` of a conversation: escapes, non-ASCII text, a nested member (a multi-line element).
    static func message(_ i: Int, _ text: String = "turn") -> JSONValue {
        .object(JSONObject([("id", .string("m\(i)")), ("role", .string(i % 2 == 0 ? "user" : "assistant")),
                            ("content", .string("\(text) \(i) \"é\"\n\u{1F600}")), ("timestamp", .string("t")),
                            ("meta", .object(JSONObject([("n", .array([.integer(JSONInteger(i)), .float(2.5), .null]))])))]))
    }

    static func document(_ messages: [JSONValue], name: String = "n", todos: [JSONValue]? = nil) -> JSONObject {
        var object = SessionSchemaTests.base
        object["conversation"] = .array(messages)
        object["name"] = .string(name)
        if let todos { object["todos"] = .array(todos) }
        return object
    }

    /// `SessionFile.session(_:extending:limits:)` gives exactly the session the exact path decodes
    /// from the new bytes, for appends, edits of a message in the middle, removals, and changes of
    /// other members; the messages before the first difference are the known session's own values
    /// (the same storage), the others are decoded.
    @Test func decodingFromAKnownFileGivesTheExactPathsSession() throws {
        let known = try Session(document: Self.document((0..<6).map { Self.message($0) }))
        let knownBytes = try signed(known.document)
        let before = try #require(known.document["conversation"]?.arrayValue)
        var edited = before
        edited[3] = Self.message(3, "edited")
        let cases: [(String, JSONObject, reused: Int)] = [
            ("appended, renamed", Self.document(before + (6..<9).map { Self.message($0) }, name: "renamed"), 6),
            ("one message edited", Self.document(edited), 3),
            ("shortened", Self.document(Array(before[..<2])), 2),
            ("todos changed", Self.document(before, todos: []), 6),
            ("the first message edited", Self.document([Self.message(0, "x")] + before.dropFirst()), 0),
        ]
        for (name, object, reused) in cases {
            let bytes = try signed(object)
            let expected = try Session(document: object)
            let got = SessionFile.session(bytes, extending: (knownBytes, known), limits: .default)
            guard reused > 0 else {
                #expect(got == nil, "\(name): nothing to reuse, so the exact path decodes")
                continue
            }
            let session = try #require(got, "\(name)")
            #expect(session == expected, "\(name)")
            let messages = try #require(session.document["conversation"]?.arrayValue)
            let shared = zip(messages, before).prefix { $0.sharesStorage(with: $1) }.count
            #expect(shared == reused, "\(name): \(shared) messages reused")
        }
    }

    /// What the schema refuses in the decoded part, or a file without messages, gives nil (the
    /// exact path then names the problem).
    @Test func decodingFromAKnownFileRefusesWhatTheExactPathRefuses() throws {
        let known = try Session(document: Self.document((0..<4).map { Self.message($0) }))
        let knownBytes = try signed(known.document)
        let before = try #require(known.document["conversation"]?.arrayValue)
        var badRole = try #require(Self.message(4).objectValue)
        badRole["role"] = .string("wizard")
        let refused = Self.document(before + [.object(badRole)])
        #expect(throws: SchemaError.self) { try Session(document: refused) }
        #expect(SessionFile.session(try signed(refused), extending: (knownBytes, known), limits: .default) == nil)
        #expect(SessionFile.session(try signed(Self.document([])), extending: (knownBytes, known), limits: .default) == nil, "no messages")
    }
}
