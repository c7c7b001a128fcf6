import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The store's signing caches stay within their bounds, and saves through them write exactly the
/// bytes of a fresh signing.
@Suite struct SigningCacheRegistryTests {
    /// Store options with the clock pinned to the sessions' time, so what a save stamps in
    /// `updated_at` is what the test's own copy holds.
    static var pinned: StoreOptions {
        var options = StoreOptions()
        options.clock = { TestVectors.january1 }
        return options
    }

    static func signed(_ cache: inout SigningCache?, key: SessionKey, messages: Int) throws {
        var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
        session.closedAt = TestVectors.january1
        for i in 0..<messages {
            session.append(Session.Message(id: "m\(i)", role: .user, content: String(repeating: "x", count: 1000), timestamp: TestVectors.january1))
        }
        _ = try SessionSignature.signedFile(for: session.document, key: key, cache: &cache)
    }

    @Test func keepsAtMostItsSessionsAndBytes() throws {
        let key = try SessionKey.ephemeral()
        var probe: SigningCache? = SigningCache(key: key, order: .otp27, memberKey: "conversation")
        try Self.signed(&probe, key: key, messages: 5)
        let entryBytes = probe?.memoryBytes ?? 0
        #expect(entryBytes > 5_000)
        // Room for two such entries by bytes, three by count.
        let registry = SigningCacheRegistry(maxSessions: 3, maxBytes: entryBytes * 5 / 2)
        var ids: [SessionID] = []
        for _ in 0..<6 {
            let id = try SessionID.random()
            ids.append(id)
            var cache: SigningCache? = registry.take(id, key: key)
            try Self.signed(&cache, key: key, messages: 5)
            if let cache { registry.put(cache, for: id) }
            #expect(registry.count <= 2)
            #expect(registry.bytes <= registry.maxBytes)
        }
        #expect(registry.count == 2)
        // The least recently used went first: the last one put is still there, the first is not.
        #expect(registry.take(ids[5], key: key)?.elements?.elements.count == 5)
        #expect(registry.take(ids[0], key: key)?.elements?.elements.isEmpty == true)
        // An entry larger than the whole budget is not kept.
        let big = try SessionID.random()
        var cache: SigningCache? = registry.take(big, key: key)
        try Self.signed(&cache, key: key, messages: 400)
        if let cache { registry.put(cache, for: big) }
        #expect(registry.take(big, key: key)?.elements?.elements.isEmpty == true)
        #expect(registry.bytes <= registry.maxBytes)
    }

    @Test func zeroBytesKeepsNothing() throws {
        let key = try SessionKey.ephemeral()
        let registry = SigningCacheRegistry(maxBytes: 0)
        let id = try SessionID.random()
        #expect(registry.take(id, key: key) == nil)
        var cache: SigningCache? = SigningCache(key: key, order: .otp27, memberKey: "conversation")
        try Self.signed(&cache, key: key, messages: 2)
        if let cache { registry.put(cache, for: id) }
        #expect(registry.count == 0)
    }

    /// Appends and saves through the store (with and without the caches): every file is what a
    /// fresh signing of the session gives, and loads back equal.
    @Test(arguments: [32 << 20, 0])
    func storeSavesWriteFreshBytes(cacheBytes: Int) throws {
        var options = Self.pinned
        options.signingCacheBytes = cacheBytes
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: "h", options: options)
            let key = try MachineSecret.load(home: home).sessionKey(hostname: "h")
            var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            session.closedAt = TestVectors.january1
            for i in 0..<12 {
                session.append(Session.Message(id: "m\(i)", role: i % 2 == 0 ? .user : .assistant,
                                               content: "turn \(i) \"quoted\"\n", timestamp: TestVectors.january1))
                if i == 6 { session.name = "renamed" }
                try store.save(session)
                let path = home + "/.jido_code/sessions/" + StoreLayout.sessionFile(session.id)
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                #expect(bytes == (try SessionSignature.signedFileBytes(for: session.document, key: key)), "save \(i)")
                #expect(try store.load(session.id) == session)
            }
            try store.update(session.id) { $0?.append(Session.Message(id: "u", role: .user, content: "via update", timestamp: TestVectors.january1)) }
            #expect(try store.load(session.id).conversation.count == 13)
            #expect(store.signingCaches.count == (cacheBytes > 0 ? 1 : 0))
            try store.delete(session.id)
            #expect(store.signingCaches.count == 0)
        }
    }

    /// A new store that loads a session (a resume) primes its cache from the file: the first save
    /// after that resumes the MAC and writes what a fresh signing writes.
    @Test func loadPrimesTheCacheForTheFirstSave() throws {
        try withTemporaryDirectory { home in
            var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            session.closedAt = TestVectors.january1
            for i in 0..<5 { session.append(Session.Message(id: "m\(i)", role: .user, content: "turn \(i)\n", timestamp: TestVectors.january1)) }
            try SessionStore.open(home: home, hostname: "h", options: Self.pinned).save(session)
            let store = try SessionStore.open(home: home, hostname: "h", options: Self.pinned)
            #expect(store.signingCaches.count == 0)
            var loaded = try store.load(session.id)
            #expect(store.signingCaches.count == 1, "the load primed the cache")
            #expect(store.signingCaches.take(session.id, key: store.key)?.elements?.elements.count == 5)
            _ = try store.load(session.id)
            loaded.append(Session.Message(id: "m5", role: .assistant, content: "after resume", timestamp: TestVectors.january1))
            try store.save(loaded)
            let path = home + "/.jido_code/sessions/" + StoreLayout.sessionFile(session.id)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes == (try SessionSignature.signedFileBytes(for: loaded.document, key: store.key)))
            #expect(try store.load(session.id) == loaded)
        }
    }

    /// What a save's schema check may skip: the conversation of the session's cache, whose elements
    /// are the very values (same storage) of the session last saved or loaded, so only the messages
    /// appended since are walked. Nothing without an entry, nor with the caches off.
    @Test(arguments: [32 << 20, 0])
    func theCachedConversationIsTheLastValidatedOne(cacheBytes: Int) throws {
        try withTemporaryDirectory { home in
            var options = Self.pinned
            options.signingCacheBytes = cacheBytes
            let store = try SessionStore.open(home: home, hostname: "h", options: options)
            var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            session.closedAt = TestVectors.january1
            #expect(store.signingCaches.validatedConversation(session.id) == nil)
            for i in 0..<3 { session.append(Session.Message(id: "m\(i)", role: .user, content: "turn \(i)", timestamp: TestVectors.january1)) }
            try store.save(session)
            let cached = store.signingCaches.validatedConversation(session.id)?[SigningCacheRegistry.memberKey]?.arrayValue
            guard cacheBytes > 0 else {
                #expect(cached == nil)
                return
            }
            let saved = session.document["conversation"]?.arrayValue ?? []
            #expect(cached?.count == 3)
            #expect(zip(cached ?? [], saved).allSatisfy { $0.sharesStorage(with: $1) }, "the saved values themselves, not copies")
            // The next save (one message appended) writes exactly what a fresh signing writes.
            session.append(Session.Message(id: "m3", role: .assistant, content: "more", timestamp: TestVectors.january1))
            try store.save(session)
            let path = home + "/.jido_code/sessions/" + StoreLayout.sessionFile(session.id)
            #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == (try SessionSignature.signedFileBytes(for: session.document, key: store.key)))
            #expect(store.signingCaches.validatedConversation(session.id)?[SigningCacheRegistry.memberKey]?.arrayValue?.count == 4)
        }
    }
}
