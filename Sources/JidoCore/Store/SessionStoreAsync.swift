import Dispatch

/// The store's `async` API: the same operations, run off Swift's cooperative thread pool.
///
/// A save or update may wait for a file lock (up to `StoreOptions.lockTimeout`), and every operation
/// reads, writes or fsyncs files; done on a cooperative thread, that wait would hold one of the
/// pool's few threads (as many as cores) and could stall every task of the process. Each call below
/// runs its synchronous twin on `SessionStore.blockingQueue` (a concurrent dispatch queue, whose
/// threads are not the pool's) and suspends the task until it finishes.
///
/// Cancellation: a task cancelled before its operation starts gets `StoreError.cancelled` and
/// nothing is done. Once started, the operation completes (a write half-cancelled is not a state a
/// caller could act on) and its result is returned.
extension SessionStore {
    /// Where the async API runs blocking work.
    static let blockingQueue = DispatchQueue(label: "JidoCore.SessionStore.blocking", attributes: .concurrent)

    /// `save(_:)` without blocking a cooperative thread.
    @discardableResult
    public func save(_ session: Session) async throws(StoreError) -> SaveOutcome {
        try await offPool { store throws(StoreError) in try store.save(session) }
    }

    /// `update(_:_:)` without blocking a cooperative thread. The transform is `@Sendable`: it runs on
    /// whichever thread writes its batch, never on the calling actor.
    @discardableResult
    public func update(_ id: SessionID, _ transform: @escaping @Sendable (inout Session?) throws -> Void) async throws(StoreError) -> SaveOutcome {
        try await offPool { store throws(StoreError) in try store.update(id, transform) }
    }

    /// `load(_:)` without blocking a cooperative thread.
    public func load(_ id: SessionID) async throws(StoreError) -> Session {
        try await offPool { store throws(StoreError) in try store.load(id) }
    }

    /// `list()` without blocking a cooperative thread.
    public func list() async throws(StoreError) -> [SessionMetadata] {
        try await offPool { store throws(StoreError) in try store.list() }
    }

    /// Runs `body` on `blockingQueue` and resumes with its result; see the extension's note on
    /// cancellation.
    private func offPool<T: Sendable>(_ body: @escaping @Sendable (SessionStore) throws(StoreError) -> T) async throws(StoreError) -> T {
        let cancelled = Protected(false)
        let result: Result<T, StoreError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                Self.blockingQueue.async {
                    if cancelled.withLock({ $0 }) { return continuation.resume(returning: .failure(.cancelled)) }
                    continuation.resume(returning: Result { () throws(StoreError) -> T in try body(self) })
                }
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
        }
        return try result.get()
    }
}

extension Duration {
    /// The duration in seconds, for the APIs that take a `Double` (fractions below a nanosecond dropped).
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds / 1_000_000_000) / 1e9
    }
}
