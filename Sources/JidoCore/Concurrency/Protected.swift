/// State that is read and written only with its own `PthreadMutex` held, with a condition to wait
/// on for a change of it: the one place a lock-guarded mutable state is declared `Sendable`.
///
/// `@unchecked Sendable` is sound here and only here: `state` is private, every access goes through
/// `withLock` (the mutex held for the whole closure, which cannot let the `inout` escape), and
/// `State` must itself be `Sendable`, so nothing non-Sendable crosses threads through it. Types that
/// need a locked state hold one of these and are plainly `Sendable`.
package final class Protected<State: Sendable>: @unchecked Sendable {
    private let mutex = PthreadMutex()
    private let condition = PthreadCondition()
    private var state: State

    package init(_ state: State) { self.state = state }

    /// Runs `body` on the state with the lock held. Not reentrant.
    package func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        try mutex.withLock { try body(&state) }
    }

    /// Waits (the lock released meanwhile) until `isReady` holds, then runs `body` with the lock held.
    /// Whoever makes `isReady` true must do so in `withLock` and call `broadcast()`.
    package func withLock<R>(waitingUntil isReady: (State) -> Bool, _ body: (inout State) throws -> R) rethrows -> R {
        try mutex.withLock {
            while !isReady(state) { condition.wait(on: mutex) }
            return try body(&state)
        }
    }

    /// `withLock(waitingUntil:_:)` that stops waiting at `deadline`: `body` runs with the lock held either
    /// way and is told whether `isReady` holds.
    package func withLock<R>(
        waitingUntil isReady: (State) -> Bool, deadline: ContinuousClock.Instant, _ body: (inout State, _ ready: Bool) throws -> R
    ) rethrows -> R {
        try mutex.withLock {
            while !isReady(state) {
                if !condition.wait(on: mutex, until: deadline), !isReady(state) { return try body(&state, false) }
            }
            return try body(&state, true)
        }
    }

    /// Wakes every thread waiting in `withLock(waitingUntil:_:)`, which then rechecks its condition.
    package func broadcast() { condition.broadcast() }
}
