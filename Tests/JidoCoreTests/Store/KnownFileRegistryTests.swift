import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The store answers bytes it wrote or accepted from `KnownFileRegistry`, and only those exact
/// bytes: any other file is checked in full, with the error it always got.
@Suite struct KnownFileRegistryTests {
    static func session(messages: Int) throws -> Session {
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        for i in 0..<messages {
            session.append(Session.Message(id: "m\(i)", role: .user, content: "turn \(i) \"é\"\n", timestamp: TestVectors.january1))
        }
        return session
    }

    static func path(_ home: String, _ id: SessionID) -> String { home + "/.jido_code/sessions/" + StoreLayout.sessionFile(id) }

    /// Options with the clock pinned to the sessions' time.
    static var pinned: StoreOptions {
        var options = StoreOptions()
        options.clock = { TestVectors.january1 }
        return options
    }

    /// Two stores on one home (two writers) and a session of `messages` that `mine` saved.
    static func withTwoWriters(messages: Int, _ body: (_ mine: SessionStore, _ other: SessionStore, Session, _ home: String) throws -> Void) throws {
        try withTemporaryDirectory { home in
            let mine = try SessionStore.open(home: home, hostname: "h", options: pinned)
            let other = try SessionStore.open(home: home, hostname: "h", options: pinned)
            let session = try Self.session(messages: messages)
            try mine.save(session)
            try body(mine, other, session, home)
        }
    }

    /// A save records its file; a load of those bytes returns the saved session (equal to what a
    /// fresh store decodes from the file) without decoding.
    @Test func aSavedFileIsKnownAndLoadsAsAFreshStoreLoadsIt() throws {
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: "h")
            let session = try Self.session(messages: 3)
            try store.save(session)
            #expect(store.knownFiles.count == 1)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path(home, session.id))))
            let hit = try #require(store.knownFiles.session(session.id, ifBytesAre: bytes))
            #expect(hit.isCanonical)
            let fresh = try SessionStore.open(home: home, hostname: "h").load(session.id)
            #expect(hit.0 == fresh)
            #expect(try store.load(session.id) == fresh)
            try store.update(session.id) { $0?.append(Session.Message(id: "u", role: .user, content: "x", timestamp: TestVectors.january1)) }
            #expect(try store.load(session.id).messageCount == 4)
            try store.delete(session.id)
            #expect(store.knownFiles.count == 0)
        }
    }

    /// A file replaced behind the store's back (same size, one byte of content changed, so the
    /// signature no longer matches) is refused with the error a fresh store gives, although the
    /// store knows the bytes it wrote there; an update on it fails the same way.
    @Test func otherBytesAreCheckedInFull() throws {
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: "h")
            let session = try Self.session(messages: 3)
            try store.save(session)
            let path = Self.path(home, session.id)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let at = try #require(bytes.firstRange(of: Array("turn 1".utf8))).lowerBound
            bytes[at] = UInt8(ascii: "T")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let expected = #expect(throws: StoreError.self) { try SessionStore.open(home: home, hostname: "h").load(session.id) }
            let got = #expect(throws: StoreError.self) { try store.load(session.id) }
            #expect(got?.logDescription == expected?.logDescription)
            guard case .invalidSignature(.invalid)? = got else {
                Issue.record("expected invalidSignature(.invalid), got \(String(describing: got))")
                return
            }
            #expect(throws: StoreError.self) { try store.update(session.id) { $0?.name = "x" } }
        }
    }

    /// Written bytes answer only once the MAC-first path decides them under the store's order: a
    /// config object of more than 32 members (BEAM hash order) is decided (that path checks large
    /// objects' order) and answers as a fresh store's load; the same file with one byte changed, even
    /// recorded as written, is not answered, and the entry is dropped.
    @Test func writtenBytesAnswerOnlyOnceTheMACFirstPathDecidesThem() throws {
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: "h")
            var config = JSONObject()
            for i in 0..<40 { config["k\(i)"] = .integer(JSONInteger(i)) }
            let session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1, config: config)
            try store.save(session)
            #expect(store.knownFiles.count == 1)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path(home, session.id))))
            let fresh = try SessionStore.open(home: home, hostname: "h").load(session.id)
            let known = try #require(store.knownFiles.session(session.id, ifBytesAre: bytes), "a large object in the store's order is decided")
            #expect(known.0 == fresh && known.isCanonical)
            let at = try #require(bytes.firstIndex(of: UInt8(ascii: "n")))
            bytes[at] = UInt8(ascii: "m")
            store.knownFiles.putWritten(SessionSignature.SignedFile(body: bytes, insertionOffset: bytes.count, insertion: []), session: fresh, lastElementEnd: nil)
            #expect(store.knownFiles.session(session.id, ifBytesAre: bytes) == nil, "bytes that do not authenticate are not answered")
            #expect(store.knownFiles.count == 0, "and their entry is dropped")
        }
    }

    /// An update that finds another writer's file decodes it and primes the signing cache from it:
    /// the save resumes the MAC and writes exactly what a fresh signing writes; that file is then
    /// known, so the next update of this store does not decode it.
    @Test func anUpdateAfterAnotherWriterPrimesTheSigningCache() throws {
        try Self.withTwoWriters(messages: 5) { mine, other, session, home in
            let message = Session.Message(id: "o", role: .assistant, content: "other", timestamp: TestVectors.january1)
            try other.update(session.id) { $0?.append(message) }
            try mine.update(session.id) { $0?.append(Session.Message(id: "u", role: .user, content: "mine", timestamp: TestVectors.january1)) }
            let cache = try #require(mine.signingCaches.take(session.id, key: mine.key))
            #expect(cache.lastSigningResumed, "primed from the other writer's file")
            #expect(cache.elements?.elements.count == 7)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path(home, session.id))))
            let loaded = try SessionStore.open(home: home, hostname: "h", options: Self.pinned).load(session.id)
            #expect(loaded.conversation.map(\.id) == ["m0", "m1", "m2", "m3", "m4", "o", "u"])
            #expect(bytes == (try SessionSignature.signedFileBytes(for: loaded.document, key: mine.key)))
            #expect(mine.knownFiles.session(session.id, ifBytesAre: bytes)?.0 == loaded)
        }
    }

    /// Two stores appending in turn: the files each reads are proven from a checkpoint of the file
    /// before (its last message), so a reader scans and authenticates only what was appended; the
    /// answers equal a fresh store's, and an appended message changed on disk is still refused.
    @Test func appendsAreProvenFromTheCheckpointOfTheFileBefore() throws {
        try Self.withTwoWriters(messages: 30) { mine, other, session, home in
            #expect(!mine.knownFiles.hasCheckpoint(session.id), "written, not yet proven")
            _ = try mine.load(session.id)
            #expect(mine.knownFiles.hasCheckpoint(session.id), "proven by the first read, with a checkpoint")
            #expect(mine.knownFiles.resumedProofCount == 0)
            try mine.update(session.id) { $0?.append(Session.Message(id: "u", role: .user, content: "mine", timestamp: TestVectors.january1)) }
            try other.update(session.id) { $0?.append(Session.Message(id: "o", role: .assistant, content: "other", timestamp: TestVectors.january1)) }
            let loaded = try mine.load(session.id)
            #expect(mine.knownFiles.resumedProofCount == 1, "the other writer's file, from the checkpoint of the one before mine")
            #expect(mine.knownFiles.hasCheckpoint(session.id))
            #expect(loaded == (try SessionStore.open(home: home, hostname: "h", options: Self.pinned).load(session.id)))
            #expect(loaded.conversation.suffix(2).map(\.id) == ["u", "o"])
            // My next write is proven at its first read from the other writer's checkpoint.
            try mine.update(session.id) { $0?.append(Session.Message(id: "u2", role: .user, content: "again", timestamp: TestVectors.january1)) }
            _ = try mine.load(session.id)
            #expect(mine.knownFiles.resumedProofCount == 2)
            // A changed appended message: the resumed proof refuses it, as a fresh store does.
            try other.update(session.id) { $0?.append(Session.Message(id: "o2", role: .assistant, content: "later", timestamp: TestVectors.january1)) }
            let path = Self.path(home, session.id)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let at = try #require(bytes.firstRange(of: Array("later".utf8))).lowerBound
            bytes[at] = UInt8(ascii: "L")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let expected = #expect(throws: StoreError.self) { try SessionStore.open(home: home, hostname: "h", options: Self.pinned).load(session.id) }
            let got = #expect(throws: StoreError.self) { try mine.load(session.id) }
            #expect(got?.logDescription == expected?.logDescription)
        }
    }

    /// Another writer's append to the file this store wrote is decoded from the known entry: the
    /// answer equals a fresh store's load, and the file becomes the entry. Bytes that do not
    /// authenticate, though they extend the known file, are not answered, and the store refuses them
    /// with a fresh store's error.
    @Test func anotherWritersAppendIsDecodedFromTheKnownFile() throws {
        try withTemporaryDirectory { home in
            let mine = try SessionStore.open(home: home, hostname: "h")
            let other = try SessionStore.open(home: home, hostname: "h")
            let session = try Self.session(messages: 5)
            try mine.save(session)
            try other.update(session.id) { $0?.append(Session.Message(id: "o", role: .assistant, content: "other", timestamp: TestVectors.january1)) }
            let path = Self.path(home, session.id)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(mine.knownFiles.session(session.id, ifBytesAre: bytes) == nil, "not the bytes it wrote")
            let fresh = try SessionStore.open(home: home, hostname: "h").load(session.id)
            #expect(mine.knownFiles.session(session.id, extendedBy: bytes) == fresh)
            #expect(try mine.load(session.id) == fresh)
            #expect(mine.knownFiles.session(session.id, ifBytesAre: bytes)?.0 == fresh, "the file it read is now the entry")
            let at = try #require(bytes.firstRange(of: Array("other".utf8))).lowerBound
            bytes[at] = UInt8(ascii: "O")
            #expect(mine.knownFiles.session(session.id, extendedBy: bytes) == nil, "a changed appended message does not authenticate")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let expected = #expect(throws: StoreError.self) { try SessionStore.open(home: home, hostname: "h").load(session.id) }
            let got = #expect(throws: StoreError.self) { try mine.load(session.id) }
            #expect(got?.logDescription == expected?.logDescription)
        }
    }

    @Test func staysWithinItsBounds() throws {
        let registry = KnownFileRegistry(maxSessions: 2, maxBytes: 100, verifier: try Self.verifier())
        let sessions = try (0..<3).map { _ in try Self.session(messages: 0) }
        for session in sessions { registry.putLoaded([UInt8](repeating: 1, count: 40), session: session, isCanonical: true, for: session.id) }
        #expect(registry.count == 2)
        #expect(registry.session(sessions[0].id, ifBytesAre: [UInt8](repeating: 1, count: 40)) == nil, "least recently used dropped")
        #expect(registry.session(sessions[2].id, ifBytesAre: [UInt8](repeating: 1, count: 40)) != nil)
        #expect(registry.session(sessions[2].id, ifBytesAre: [UInt8](repeating: 1, count: 39)) == nil)
        #expect(registry.session(sessions[2].id, ifBytesAre: [UInt8](repeating: 2, count: 40)) == nil)
        registry.putLoaded([UInt8](repeating: 1, count: 101), session: sessions[2], isCanonical: true, for: sessions[2].id)
        #expect(registry.session(sessions[2].id, ifBytesAre: [UInt8](repeating: 1, count: 40)) == nil, "too large: forgotten, not kept stale")
        let none = KnownFileRegistry(maxBytes: 0, verifier: try Self.verifier())
        none.putLoaded([1], session: sessions[0], isCanonical: true, for: sessions[0].id)
        #expect(none.count == 0)
    }

    static func verifier() throws -> KnownFileRegistry.Verifier {
        .init(key: try SessionKey.derive(machineSecret: [UInt8](repeating: 7, count: 32), hostname: "h"), limits: .default, orders: [.otp27])
    }
}
