import Glibc

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

    // Heap-allocated so their addresses never move (pthread objects must not be copied).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var pending: [Work] = []
    private var writerActive = false
    /// Callers queued or writing; the registry drops the queue when it reaches zero.
    var users = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Queues `work` and returns its outcome; `writeBatch` performs one batch (called by the writer
    /// with no queue lock held) and returns an outcome per work item, in order.
    func submit(_ work: Work, writeBatch: ([Work]) -> [Result<SaveOutcome, any Error>]) -> Result<SaveOutcome, any Error> {
        pthread_mutex_lock(mutex)
        pending.append(work)
        while work.outcome == nil {
            if writerActive {
                pthread_cond_wait(condition, mutex)
                continue
            }
            writerActive = true
            while !pending.isEmpty {
                let batch = pending
                pending.removeAll()
                pthread_mutex_unlock(mutex)
                let outcomes = writeBatch(batch)
                pthread_mutex_lock(mutex)
                for (item, outcome) in zip(batch, outcomes) { item.outcome = outcome }
                pthread_cond_broadcast(condition)
            }
            writerActive = false
            pthread_cond_broadcast(condition)
        }
        let outcome = work.outcome ?? .failure(StoreError.io(SystemCallError("save", errno: .ioError)))
        pthread_mutex_unlock(mutex)
        return outcome
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
