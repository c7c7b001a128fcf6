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
}
