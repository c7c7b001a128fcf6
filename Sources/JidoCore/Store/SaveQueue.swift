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
///
/// A transform runs on the writer's thread, which is usually another caller's: that is why it is
/// `@Sendable` (an actor cannot hand in a closure touching its isolated state; the compiler refuses
/// it instead of the runtime trapping on "Incorrect actor executor assumption").
final class SaveQueue: Sendable {
    /// One queued transform.
    struct Work: Sendable {
        let apply: @Sendable (inout Session?) throws -> Void
        /// True for a plain replacement that does not read the stored state.
        let replaces: Bool

        init(replaces: Bool, _ apply: @escaping @Sendable (inout Session?) throws -> Void) {
            self.replaces = replaces
            self.apply = apply
        }
    }

    typealias Outcome = Result<SaveOutcome, StoreError>

    private struct State: Sendable {
        /// Queued work with the ticket its caller waits on, in arrival order.
        var pending: [Ticketed] = []
        /// Outcomes of finished work not yet collected by their callers.
        var outcomes: [Int: Outcome] = [:]
        var nextTicket = 0
        var writerActive = false

        mutating func takePending() -> [Ticketed] {
            defer { pending.removeAll() }
            return pending
        }
    }

    private struct Ticketed: Sendable {
        let ticket: Int
        let work: Work
    }

    private let state = Protected(State())

    /// Queues `work` and returns its outcome; `writeBatch` performs one batch (called by the writer
    /// with no queue lock held) and returns an outcome per work item, in order.
    func submit(_ work: Work, writeBatch: ([Work]) -> [Outcome]) -> Outcome {
        let ticket = state.withLock { state in
            let ticket = state.nextTicket
            state.nextTicket += 1
            state.pending.append(Ticketed(ticket: ticket, work: work))
            return ticket
        }
        // Wait while another caller writes; leave with the outcome if that writer took `work`, or
        // become the writer (taking everything queued so far, `work` included).
        var batch = state.withLock(waitingUntil: { !$0.writerActive || $0.outcomes[ticket] != nil }) { state -> [Ticketed]? in
            guard state.outcomes[ticket] == nil else { return nil }
            state.writerActive = true
            return state.takePending()
        }
        while let current = batch {
            let outcomes = writeBatch(current.map(\.work))
            batch = state.withLock { state in
                for (item, outcome) in zip(current, outcomes) { state.outcomes[item.ticket] = outcome }
                // Work queued meanwhile is the next batch; none: step down, so a later caller becomes the writer.
                let next = state.pending.isEmpty ? nil : state.takePending()
                if next == nil { state.writerActive = false }
                return next
            }
            state.broadcast()
        }
        // `writeBatch` answers every item, so the outcome is there; the fallback is not reached.
        return state.withLock { $0.outcomes.removeValue(forKey: ticket) } ?? .failure(.io(SystemCallError("save", errno: .ioError)))
    }
}

/// The per-session queues of one store; a queue lives while someone uses it.
final class SaveQueueRegistry: Sendable {
    private struct Entry: Sendable {
        let queue: SaveQueue
        /// Callers queued or writing; the entry is dropped when it reaches zero.
        var users: Int
    }

    private let entries = Protected([SessionID: Entry]())

    func withQueue<R>(_ id: SessionID, _ body: (SaveQueue) -> R) -> R {
        let queue = entries.withLock { entries -> SaveQueue in
            var entry = entries[id] ?? Entry(queue: SaveQueue(), users: 0)
            entry.users += 1
            entries[id] = entry
            return entry.queue
        }
        defer {
            entries.withLock { entries in
                guard var entry = entries[id] else { return }
                entry.users -= 1
                entries[id] = entry.users == 0 ? nil : entry
            }
        }
        return body(queue)
    }
}
