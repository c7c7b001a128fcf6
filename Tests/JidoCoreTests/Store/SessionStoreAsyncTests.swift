import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The store's `async` API: actors share a store and a session without any update being lost,
/// transforms are `@Sendable` (an actor cannot hand in its isolated state), lock waits happen off
/// the cooperative pool, and cancellation before the start does nothing.
@Suite struct SessionStoreAsyncTests {
    static let hostname = "test-host"

    /// A store whose clock is pinned, so a saved session loads back equal.
    /// `lockTimeout` is long: the whole suite runs in parallel on a loaded 2-core machine, and a wait
    /// that expires would fail the lock test for the machine's sake, not the code's.
    static func store(_ home: String) throws -> SessionStore {
        var options = StoreOptions()
        options.clock = { TestVectors.january1 }
        options.lockTimeout = .seconds(120)
        return try SessionStore.open(home: home, hostname: hostname, options: options)
    }

    /// One writer: an actor with state of its own that the transform must not touch (it captures
    /// values, never `self`: passing `{ $0?.append(self.next()) }` does not compile, the trap of
    /// issue 15 is a compile error).
    actor Appender {
        let name: String
        let store: SessionStore
        let id: SessionID
        private(set) var acknowledged = 0

        init(name: String, store: SessionStore, id: SessionID) {
            self.name = name
            self.store = store
            self.id = id
        }

        func run(_ count: Int) async throws {
            for n in 0..<count {
                let message = Session.Message(id: "\(name)-\(n)", role: n % 2 == 0 ? .user : .assistant, content: "from \(name)",
                                              timestamp: TestVectors.january1.addingTimeInterval(Double(n)))
                try await store.update(id) { session in session?.append(message) }
                acknowledged += 1
            }
        }
    }

    /// 8 actors × 25 appends to one session through `update`: all 200 are in the file, in each
    /// actor's order. Run under ThreadSanitizer too (`swift test --sanitize=thread --filter
    /// SessionStoreAsyncTests`): the save queue and the hand-off to the blocking queue are race-free.
    @Test func eightActorsAppendingToOneSessionLoseNothing() async throws {
        try await withTemporaryDirectoryAsync { home in
            let store = try Self.store(home)
            let id = try SessionID.random()
            try await store.save(Session(id: id, name: "shared", projectPath: "/p", createdAt: TestVectors.january1))
            let actors = (0..<8).map { Appender(name: "a\($0)", store: store, id: id) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for actor in actors { group.addTask { try await actor.run(25) } }
                try await group.waitForAll()
            }
            for actor in actors { #expect(await actor.acknowledged == 25) }
            let conversation = try await store.load(id).conversation
            #expect(conversation.count == 200)
            for actor in actors {
                let mine = conversation.map(\.id).filter { $0.hasPrefix(actor.name + "-") }
                #expect(mine == (0..<25).map { "\(actor.name)-\($0)" }, "every append of \(actor.name), in its order")
            }
            #expect(try await store.list().map(\.id) == [id])
        }
    }

    /// A save waiting for a lock someone else holds does not hold a cooperative thread: while it
    /// waits, as many other tasks as there are cores (the pool's width) still run.
    @Test func aLockWaitDoesNotBlockTheCooperativePool() async throws {
        try await withTemporaryDirectoryAsync { home in
            let store = try Self.store(home)
            var draft = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            draft.closedAt = TestVectors.january1
            let session = draft
            try await store.save(session)
            let held = try FileLock.acquire(StoreLayout.lockFile(session.id), in: store.locksDirectory, timeout: .seconds(1))
            let width = ProcessInfo.processInfo.activeProcessorCount
            // More waiting saves than the pool has threads: with blocking waits, nothing else would run.
            let waiting = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<(width * 2) { group.addTask { try await store.save(session) } }
                    try await group.waitForAll()
                }
            }
            let ran = await withTaskGroup(of: Int.self) { group in
                for n in 0..<(width * 4) { group.addTask { n } }
                return await group.reduce(0) { $0 + $1 }
            }
            #expect(ran == (0..<(width * 4)).reduce(0, +), "other tasks ran while the saves waited for the lock")
            held.release()
            try await waiting.value
            #expect(try await store.load(session.id) == session)
        }
    }

    /// A task cancelled before its operation starts gets `cancelled`, and nothing is written.
    @Test func cancelledBeforeTheStartDoesNothing() async throws {
        try await withTemporaryDirectoryAsync { home in
            let store = try Self.store(home)
            let session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await store.save(session)
            }
            await #expect(throws: StoreError.cancelled) { try await task.value }
            #expect(try await store.list().isEmpty)
        }
    }

    /// An error the transform throws comes back as `transformFailed` carrying it; nothing is written.
    @Test func aTransformsOwnErrorComesBackTyped() async throws {
        struct Refused: Error, Equatable {}
        try await withTemporaryDirectoryAsync { home in
            let store = try Self.store(home)
            let session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1)
            try await store.save(session)
            let before = try await store.load(session.id)
            do throws(StoreError) {
                try await store.update(session.id) { _ in throw Refused() }
                Issue.record("the update succeeded")
            } catch {
                guard case let .transformFailed(failure) = error else { Issue.record("\(error)"); return }
                #expect(failure.underlying as? Refused == Refused())
            }
            #expect(try await store.load(session.id) == before)
        }
    }
}
