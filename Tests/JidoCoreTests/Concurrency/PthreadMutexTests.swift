import Foundation
import Testing
@testable import JidoCore

/// The package's one lock: mutual exclusion, and a condition that wakes its waiters.
@Suite struct PthreadMutexTests {
    final class Counter: @unchecked Sendable {
        let mutex = PthreadMutex()
        let condition = PthreadCondition()
        var value = 0   // guarded by `mutex`
        var ready = false
    }

    /// Four threads increment a counter 50,000 times each under the lock: no increment is lost.
    @Test func withLockExcludesOtherThreads() {
        let counter = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<50_000 { counter.mutex.withLock { counter.value += 1 } }
        }
        #expect(counter.mutex.withLock { counter.value } == 200_000)
    }

    /// Waiters sleep until the state they wait for is set under the lock and broadcast.
    @Test func broadcastWakesEveryWaiter() {
        let counter = Counter()
        let done = DispatchGroup()
        for _ in 0..<3 {
            DispatchQueue.global().async(group: done) {
                counter.mutex.withLock {
                    while !counter.ready { counter.condition.wait(on: counter.mutex) }
                    counter.value += 1
                }
            }
        }
        counter.mutex.withLock {
            counter.ready = true
            counter.condition.broadcast()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(counter.mutex.withLock { counter.value } == 3)
    }

    /// A timed wait returns at its deadline when nothing changes, and `Protected` then runs the body told so.
    @Test func aTimedWaitEndsAtItsDeadline() {
        let state = Protected(false)
        let started = ContinuousClock.now
        let ready = state.withLock(waitingUntil: { $0 }, deadline: started + .milliseconds(100)) { _, ready in ready }
        #expect(!ready)
        #expect(started.duration(to: .now) >= .milliseconds(100))
        // A deadline already passed does not wait; a change made before it is seen.
        #expect(!state.withLock(waitingUntil: { $0 }, deadline: started) { _, ready in ready })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            state.withLock { $0 = true }
            state.broadcast()
        }
        #expect(state.withLock(waitingUntil: { $0 }, deadline: .now + .seconds(60)) { _, ready in ready })
    }
}
