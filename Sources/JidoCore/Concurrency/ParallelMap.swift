internal import Glibc

/// Runs independent pieces of work on several threads and hands their results over in index order.
package enum ParallelMap {
    /// The processors online (at least 1). The corresponding C function is `sysconf(_SC_NPROCESSORS_ONLN)`.
    package static var availableCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `body(i)` for every `i` in `0..<count` on up to `jobs` threads; the results in index order
    /// (`forEachInOrder` collecting them).
    package static func map<T: Sendable>(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        var results: [T] = []
        results.reserveCapacity(max(0, count))
        forEachInOrder(count, jobs: jobs, body) { _, result in results.append(result) }
        return results
    }

    /// `body(i)` for every `i` in `0..<count`, handing each result to `deliver` on the calling thread in
    /// index order, as soon as every earlier one has been handed over.
    ///
    /// With `jobs` ≥ 2, `jobs` worker threads are started once for the whole run (never per batch) and
    /// each takes the next index from a shared counter when it is free, so a slow item holds up no other
    /// worker. Results wait in a ring of `window` preallocated slots (default `2 × jobs`): a worker does
    /// not take index `i` before `i - window` has been delivered, so at most `jobs` items are being
    /// computed and at most `window` results wait, whatever the order in which they finish. The calling
    /// thread only delivers. With `jobs` 1 (or one item, or when the system refuses every thread) each
    /// item is computed and delivered on the calling thread in turn: the deliveries are the same.
    package static func forEachInOrder<T: Sendable>(
        _ count: Int, jobs: Int, window: Int? = nil, _ body: @escaping @Sendable (Int) -> T, deliver: (Int, T) -> Void
    ) {
        forEachInOrder(count, jobs: jobs, window: window, perThread: {}, { _, index in body(index) }, deliver: deliver)
    }

    /// Runs a worker thread's whole life (its argument) inside some context: task-local values, which
    /// threads do not inherit, bound again (`SyscallFaults.carriedToThreads()`).
    package typealias ThreadSetup = @Sendable (_ run: () -> Void) -> Void

    /// `forEachInOrder(_:jobs:window:_:deliver:)` where each thread first makes its own `State` with
    /// `perThread` (a reusable buffer, say) and lends it to `body` for every index it takes: the state is
    /// made, used and released on that one thread, so it need not be `Sendable`. Each worker thread runs
    /// inside `onEachThread`.
    package static func forEachInOrder<T: Sendable, State>(
        _ count: Int, jobs: Int, window: Int? = nil, onEachThread: @escaping ThreadSetup = { $0() },
        perThread: @escaping @Sendable () -> State,
        _ body: @escaping @Sendable (inout State, Int) -> T, deliver: (Int, T) -> Void
    ) {
        guard count > 0 else { return }
        let workers = max(1, min(jobs, count))
        guard workers > 1 else {
            var state = perThread()
            for index in 0..<count { deliver(index, body(&state, index)) }
            return
        }
        let slots = max(workers, window ?? 2 * workers)
        let shared = Protected(OrderedWork<T>(slots: slots))
        @Sendable func work() {
            var state = perThread()
            while true {
                // The next index, once it fits in the window (or nil when none is left).
                let index = shared.withLock(waitingUntil: { $0.next >= count || $0.next < $0.delivered + slots }) { state -> Int? in
                    guard state.next < count else { return nil }
                    state.next += 1
                    return state.next - 1
                }
                guard let index else { return }
                let result = body(&state, index)
                // Only the caller waits for a result, and only for the next one to deliver.
                let awaited = shared.withLock { state in
                    state.ring[index % slots] = result
                    return index == state.delivered
                }
                if awaited { shared.broadcast() }
            }
        }
        var started = 0
        for _ in 0..<workers where DetachedThread.start(stackSize: 8 << 20, { onEachThread { work() } }) { started += 1 }
        guard started > 0 else {
            var state = perThread()
            for index in 0..<count { deliver(index, body(&state, index)) }
            return
        }
        for index in 0..<count {
            let (result, windowWasFull) = shared.withLock(waitingUntil: { $0.ring[index % slots] != nil }) { state -> (T?, Bool) in
                defer { state.ring[index % slots] = nil; state.delivered += 1 }
                return (state.ring[index % slots], state.next >= state.delivered + slots)
            }
            if windowWasFull { shared.broadcast() } // a slot is free: a worker waiting for the window may go on
            if let result { deliver(index, result) }
        }
    }
}

/// The shared state of one `ParallelMap.forEachInOrder`: the next index to take, how many results
/// were delivered, and the results not yet delivered (index `i` in slot `i % ring.count`).
private struct OrderedWork<T: Sendable>: Sendable {
    var next = 0
    var delivered = 0
    var ring: [T?]

    init(slots: Int) { ring = Array(repeating: nil, count: slots) }
}
