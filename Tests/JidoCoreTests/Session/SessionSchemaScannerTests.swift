import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The raw schema pass never accepts what `Session(document:)` refuses, and agrees on id and closed_at.
@Suite struct SessionSchemaScannerTests {
    /// The exact path's facts; `hasNonASCIIKeys` from the decoded keys.
    func exact(_ bytes: [UInt8]) -> SessionSchemaScanner.Facts? {
        guard let document = try? StrictJSONDecoder().decode(bytes), let object = document.value.objectValue,
              let session = try? Session(document: object) else { return nil }
        var keys: [String] = []
        var pending = [document.value]
        while let value = pending.popLast() {
            if case let .object(o) = value { keys += o.keys; pending += o.members.map(\.value) }
            if case let .array(a) = value { pending += a }
        }
        return SessionSchemaScanner.Facts(id: session.id, closedAt: session.document["closed_at"]?.stringValue,
                                          hasNonASCIIKeys: keys.contains { !$0.utf8.allSatisfy { $0 < 0x80 } })
    }

    @Test func agreesWithTheExactCheckOnEveryStoredSession() throws {
        let directory = try TestVectors.directory()
        var accepted = 0
        for store in ["basic", "mixed"] {
            let sessions = directory.appendingPathComponent("\(store)/home/.jido_code/sessions")
            for name in try FileManager.default.contentsOfDirectory(atPath: sessions.path) {
                let bytes = try TestVectors.readBytes(sessions.appendingPathComponent(name))
                guard let canonical = try? CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value) else { continue }
                let fast = SessionSchemaScanner.scan(canonical)
                if let fast {
                    accepted += 1
                    #expect(fast == exact(canonical), "\(store)/\(name)")
                }
            }
        }
        #expect(accepted >= 20, "the fast pass answers for ordinary sessions")
    }

    /// Every single-field breakage: the fast pass must not accept what the exact check refuses.
    @Test func neverAcceptsWhatTheExactCheckRefuses() throws {
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        session.append(Session.Message(id: "m", role: .user, content: "c", timestamp: TestVectors.january1))
        let base = session.document
        var variants: [JSONObject] = []
        for key in base.keys {
            var removed = base
            removed[key] = nil
            variants.append(removed)
            for replacement: JSONValue in [.null, .integer(JSONInteger(2)), .string("x"), .array([]), .object(JSONObject()),
                                           .array([.object(JSONObject([("role", .string("robot"))]))]), .float(1.0)] {
                var changed = base
                changed[key] = replacement
                variants.append(changed)
            }
        }
        var message = JSONObject([("id", .string("m")), ("role", .string("user")), ("content", .string("c")), ("timestamp", .string("t"))])
        for key in message.keys {
            var broken = message
            broken[key] = .integer(JSONInteger(1))
            var variant = base
            variant["conversation"] = .array([.object(broken)])
            variants.append(variant)
        }
        message["role"] = .string("User")
        var variant = base
        variant["conversation"] = .array([.object(message)])
        variants.append(variant)
        variant = base
        variant["todos"] = .array([.object(JSONObject([("content", .string("c")), ("active_form", .string("a")), ("status", .string("done"))]))])
        variants.append(variant)
        for object in variants {
            let bytes = try CanonicalJSON.encode(.object(object))
            if let fast = SessionSchemaScanner.scan(bytes) {
                #expect(fast == exact(bytes), "accepted \(String(decoding: bytes.prefix(300), as: UTF8.self))")
            }
        }
    }

    /// A canonical scan stopped by a limit the decoder still accepts (a string longer than
    /// `maxStringBytes` raw, not unescaped) sends verification to the slow path, which finds the file
    /// canonical; the observer saw only part of it and must not answer (it answered for a `version`
    /// the scan never reached, and missed the non-ASCII key after it; found by the `session` fuzz
    /// check: Corpus/regressions/session-schema-facts-from-a-scan-stopped-at-a-limit.json).
    @Test func aScanStoppedAtALimitHasNoFacts() throws {
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        session.closedAt = TestVectors.january1
        var object = session.document
        object["version"] = .string(String(repeating: "\n", count: 30))
        object["zz\u{E9}"] = .integer(JSONInteger(1))
        let key = try SessionKey.derive(machineSecret: Array(repeating: 0x61, count: 64), hostname: "h")
        let signed = try SessionSignature.signedFileBytes(for: object, key: key)
        let limits = JSONLimits(maxInputBytes: signed.count, maxStringBytes: 50)
        let (result, facts) = signed.withUnsafeBytes { SessionSignature.verifyWithSchema(fileBytes: $0, key: key, limits: limits) }
        #expect(result.verdict == .valid && result.isCanonical, "the slow path finds the file canonical")
        #expect(facts == nil)
        object["version"] = .integer(JSONInteger(1))
        object["zz"] = .string(String(repeating: "\n", count: 30))
        let valid = try SessionSignature.signedFileBytes(for: object, key: key)
        let stopped = valid.withUnsafeBytes {
            SessionSignature.verifyWithSchema(fileBytes: $0, key: key, limits: JSONLimits(maxInputBytes: valid.count, maxStringBytes: 50)).1
        }
        #expect(stopped == nil, "hasNonASCIIKeys would be false: the scan stopped before zzé")
    }

    /// The fast pass knows the same roles and todo statuses as `Session` (each accepted, and a
    /// near miss of each refused).
    @Test func acceptsExactlyTheRolesAndStatusesOfSession() throws {
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        session.append(Session.Message(id: "m", role: .user, content: "c", timestamp: TestVectors.january1))
        let base = session.document
        func variant(role: String, status: String) throws -> [UInt8] {
            var object = base
            object["conversation"] = .array([.object(JSONObject([("id", .string("m")), ("role", .string(role)),
                                                                 ("content", .string("c")), ("timestamp", .string("t"))]))])
            object["todos"] = .array([.object(JSONObject([("content", .string("c")), ("active_form", .string("a")),
                                                          ("status", .string(status))]))])
            return try CanonicalJSON.encode(.object(object))
        }
        for role in SessionSchema.roles {
            #expect(SessionSchemaScanner.scan(try variant(role: role, status: "pending")) != nil, "role \(role)")
            #expect(SessionSchemaScanner.scan(try variant(role: role + "s", status: "pending")) == nil, "role \(role)s")
        }
        for status in SessionSchema.todoStatuses {
            #expect(SessionSchemaScanner.scan(try variant(role: "user", status: status)) != nil, "status \(status)")
            #expect(SessionSchemaScanner.scan(try variant(role: "user", status: String(status.dropLast()))) == nil, "status \(status)")
        }
    }
}
