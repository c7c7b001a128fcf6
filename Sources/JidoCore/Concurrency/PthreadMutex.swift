import Glibc

/// The package's one lock: a pthread mutex. ThreadSanitizer understands pthread (`Synchronization.Mutex`
/// draws false reports), so every lock of the package, in every target, is this one; a thread that must
/// wait for a state change under it waits on a `PthreadCondition`.
package final class PthreadMutex: @unchecked Sendable {
    // Heap-allocated so its address never moves (a pthread object must not be copied).
    fileprivate let mutex: UnsafeMutablePointer<pthread_mutex_t>

    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the lock held. Not reentrant: `body` must not take this lock again.
    package func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A pthread condition variable, used with a `PthreadMutex`: inside `mutex.withLock { }`,
/// `while !ready { condition.wait(on: mutex) }`; whoever changes the state does so under the same lock and
/// calls `broadcast()`. Timed waits use CLOCK_MONOTONIC, so a change of the wall clock cannot stretch them.
package final class PthreadCondition: @unchecked Sendable {
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    /// Releases `mutex`, sleeps until a broadcast (or spuriously), and takes `mutex` again before returning.
    /// Must be called with `mutex` held (inside its `withLock`), always in a loop that rechecks the state.
    package func wait(on mutex: PthreadMutex) {
        pthread_cond_wait(condition, mutex.mutex)
    }

    /// `wait(on:)` that returns at `deadline` at the latest: `false` when the deadline has passed (the
    /// caller rechecks its state either way). The deadline is converted to CLOCK_MONOTONIC once per call.
    package func wait(on mutex: PthreadMutex, until deadline: ContinuousClock.Instant) -> Bool {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return false }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = remaining.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        // A wait of more than ~35,000 years is a wait without end: capped so the sum cannot overflow.
        var wholeSeconds = Int(now.tv_sec) + Int(min(seconds, 1 << 40))
        if nanoseconds >= 1_000_000_000 { nanoseconds -= 1_000_000_000; wholeSeconds += 1 }
        var absolute = timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
        return pthread_cond_timedwait(condition, mutex.mutex, &absolute) != ETIMEDOUT
    }

    /// Wakes every thread waiting on this condition.
    package func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
