internal import Glibc

/// Runs independent pieces of work on several threads and returns their results in index order.
package enum ParallelMap {
    /// The processors online (at least 1). The corresponding C function is `sysconf(_SC_NPROCESSORS_ONLN)`.
    package static var availableCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// `body(i)` for every `i` in `0..<count`, on up to `jobs` threads (the caller's included), each
    /// taking the next index when it is free; the results in index order. With `jobs` 1, or when the
    /// system refuses a thread, the work runs on fewer threads: the results are the same.
    package static func map<T: Sendable>(_ count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let shared = Protected(WorkState<T>(results: Array(repeating: nil, count: count)))
        @Sendable func work() {
            while true {
                let index = shared.withLock { state -> Int? in
                    guard state.next < count else { return nil }
                    state.next += 1
                    return state.next - 1
                }
                guard let index else { return }
                let result = body(index)
                shared.withLock { state in
                    state.results[index] = result
                    state.finished += 1
                }
                shared.broadcast()
            }
        }
        for _ in 1..<max(1, min(jobs, count)) {
            guard DetachedThread.start(stackSize: 8 << 20, work) else { break }
        }
        work()
        return shared.withLock(waitingUntil: { $0.finished == count }) { state in state.results.compactMap { $0 } }
    }
}

/// The shared state of one `ParallelMap.map`: the next index to take, how many are done, the results.
private struct WorkState<T: Sendable>: Sendable {
    var next = 0
    var finished = 0
    var results: [T?]
}
