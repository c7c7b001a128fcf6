/// In-process coalescing of concurrent writes to one session.
///
/// Design: every write is a transform applied to the session's latest durable state. Callers enqueue
/// their transform and wait. One caller at a time becomes the writer: it takes every transform queued
/// so far, and under the session's kernel lock reads the current file, applies them in arrival order,
/// and writes the result once (one fsync for the whole batch). Each caller returns only after the
/// write that includes its transform is durable, or with that write's error. A transform queued
/// while a batch is being written is taken by the next batch of the same writer. Because transforms
/// run on the state read under the lock, an update from another thread or process that landed in
/// between is never overwritten: there is no lost update, only serialization.
final class SaveQueue: @unchecked Sendable {
    /// One queued transform and, once its batch is done, its outcome.
    final class Work {
        let apply: (inout Session?) throws -> Void
        /// True for a plain replacement that does not read the stored state.
        let replaces: Bool
        var outcome: Result<SaveOutcome, any Error>?

        init(replaces: Bool, _ apply: @escaping (inout Session?) throws -> Void) {
            self.replaces = replaces
            self.apply = apply
        }
    }

    private let mutex = PthreadMutex()
    /// Broadcast when a batch's outcomes are in and when the writer steps down.
    private let condition = PthreadCondition()
    private var pending: [Work] = []
    private var writerActive = false
    /// Callers queued or writing; the registry drops the queue when it reaches zero.
    var users = 0

    /// Queues `work` and returns its outcome; `writeBatch` performs one batch (called by the writer
    /// with no queue lock held) and returns an outcome per work item, in order.
    func submit(_ work: Work, writeBatch: ([Work]) -> [Result<SaveOutcome, any Error>]) -> Result<SaveOutcome, any Error> {
        // Wait while another caller writes; leave with the outcome if that writer took `work`, or
        // become the writer (taking everything queued so far, `work` included).
        let firstBatch = mutex.withLock { () -> [Work]? in
            pending.append(work)
            while writerActive, work.outcome == nil { condition.wait(on: mutex) }
            guard work.outcome == nil else { return nil }
            writerActive = true
            return takePending()
        }
        var batch = firstBatch
        while let current = batch {
            let outcomes = writeBatch(current)
            batch = mutex.withLock {
                for (item, outcome) in zip(current, outcomes) { item.outcome = outcome }
                // Work queued meanwhile is the next batch; none: step down, so a later caller becomes the writer.
                let next = pending.isEmpty ? nil : takePending()
                if next == nil { writerActive = false }
                condition.broadcast()
                return next
            }
        }
        return mutex.withLock { work.outcome ?? .failure(StoreError.io(SystemCallError("save", errno: .ioError))) }
    }

    /// Must be called with `mutex` held.
    private func takePending() -> [Work] {
        let batch = pending
        pending.removeAll()
        return batch
    }
}

/// The per-session queues of one store; a queue lives while someone uses it.
final class SaveQueueRegistry: @unchecked Sendable {
    private let lock = PthreadMutex()
    private var queues: [SessionID: SaveQueue] = [:]

    func withQueue<R>(_ id: SessionID, _ body: (SaveQueue) -> R) -> R {
        let queue = lock.withLock { () -> SaveQueue in
            let queue = queues[id] ?? SaveQueue()
            queues[id] = queue
            queue.users += 1
            return queue
        }
        defer {
            lock.withLock {
                queue.users -= 1
                if queue.users == 0 { queues[id] = nil }
            }
        }
        return body(queue)
    }
}
