import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `FileLock.acquire`: a place in the file's queue (`LockQueue`, arrival order), then the `flock`, each
/// wait the kernel's own on a helper thread with a deadline (`LockWaiter`); a waiter that gives up
/// never ends up holding the lock.
@Suite struct FileLockTests {
    func withDirectory<R>(_ body: (FileDescriptor) throws -> R) throws -> R { try withDirectoryDescriptor { fd, _ in try body(fd) } }

    /// Takes `name` on another thread and holds it for `duration`; returns once it is held.
    func hold(_ name: String, in directory: FileDescriptor, for duration: Duration) throws {
        let held = DispatchSemaphore(value: 0)
        let taken = Protected(false)
        Thread.detachNewThread {
            do {
                let lock = try FileLock.acquire(name, in: directory, timeout: .seconds(10))
                taken.withLock { $0 = true }
                held.signal()
                MonotonicClock.sleep(duration)
                lock.release()
            } catch {
                held.signal()
            }
        }
        held.wait()
        try #require(taken.withLock { $0 })
    }

    @Test func aWaiterSleepsInTheKernelUntilTheRelease() throws {
        try withDirectory { dir in
            try hold("a.lock", in: dir, for: .milliseconds(300))
            let faults = SyscallFaults()
            let waited = try SyscallFaults.$current.withValue(faults) {
                let started = ContinuousClock.now
                let lock = try FileLock.acquire("a.lock", in: dir, timeout: .seconds(60))
                let waited = started.duration(to: .now)
                lock.release()
                return waited
            }
            #expect(waited >= .milliseconds(250), "it waited for the holder")
            // A place in the queue (the mutex, 2 probes for the last ticket, the slot, the mutex let go),
            // a probe for the waiter ahead, one blocking call for its slot and its release, a probe that
            // finds no one ahead any more; the flock taken once and let go: no polling (which makes a
            // call every 5 ms at most).
            #expect(faults.count(.rangeLock) == 9, "range-lock calls: \(faults.count(.rangeLock))")
            #expect(faults.count(.flock) == 2, "flock calls: \(faults.count(.flock))")
        }
    }

    @Test func aWaiterThatTimesOutNeverKeepsTheLock() throws {
        try withDirectory { dir in
            let held = try FileLock.acquire("b.lock", in: dir, timeout: .zero)
            let started = ContinuousClock.now
            #expect(throws: FileLock.Failure.timedOut) { _ = try FileLock.acquire("b.lock", in: dir, timeout: .milliseconds(200)) }
            #expect(started.duration(to: .now) < .seconds(30))
            held.release()
            // The abandoned helper gets the lock when it is released and lets it go at once.
            let deadline = ContinuousClock.now + .seconds(30)
            var free = false
            while !free, ContinuousClock.now < deadline {
                if let lock = try? FileLock.acquire("b.lock", in: dir, timeout: .zero) {
                    lock.release()
                    free = true
                } else {
                    MonotonicClock.sleep(.milliseconds(10))
                }
            }
            #expect(free, "the lock is free again once the abandoned wait ends")
        }
    }

    @Test func theBlockingWaitRunsUnderTheCallersFaultPlan() throws {
        try withDirectory { dir in
            try hold("c.lock", in: dir, for: .seconds(2))
            let faults = SyscallFaults()
            // The blocking wait for the predecessor's slot, on a helper thread, fails (the seventh range
            // lock call: the queue degrades to the unordered wait); then the first flock (LOCK_NB)
            // answers EWOULDBLOCK and the second, on a helper thread too, fails.
            faults.fail(.rangeLock, errno: EIO, after: 6)
            faults.fail(.flock, errno: EIO, after: 1)
            let failure = SyscallFaults.$current.withValue(faults) { () -> FileLock.Failure? in
                do throws(FileLock.Failure) {
                    _ = try FileLock.acquire("c.lock", in: dir, timeout: .seconds(60))
                    return nil
                } catch {
                    return error
                }
            }
            #expect(failure == .system(SystemCallError("flock", errno: .ioError)))
        }
    }

    /// The last ticket taken in a lock file's queue (`LockQueue.lastTicket`, from a description of its own).
    func lastTicket(_ dir: FileDescriptor, _ name: String) -> Int64 {
        guard let fd = try? dir.open(name, [.readOnly, .closeOnExec]) else { return 0 }
        defer { _ = try? fd.close() }
        return LockQueue.lastTicket(fd) ?? 0
    }

    /// Waiters are served in arrival order, whatever order the kernel wakes them in and however fast
    /// a running thread comes back: behind a holder, waiters arrive one after the other (each its own
    /// open file description, as processes are), one of them a "barger" that takes the lock 8 times
    /// in a row as fast as it can. It gets its turn, then queues again behind everyone who arrived
    /// meanwhile (without the queue, a thread that just released takes the lock again before the
    /// woken waiters run). One waiter gives up in the middle of the queue; the others still pass.
    @Test func waitersAreServedInArrivalOrder() throws {
        try withTemporaryDirectory { root in
            let dir = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? dir.close() }
            let holder = try FileLock.acquire("q.lock", in: dir, timeout: .seconds(10))
            let order = Protected<[Int]>([])
            let done = DispatchGroup()
            let barger = 100
            for (arrival, who) in [0, 1, 2, barger, 3, 4, 5].enumerated() {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    for round in 0..<(who == barger ? 8 : 1) {
                        // Waiter 3 gives up while it is queued; the others wait as long as needed.
                        let timeout: Duration = who == 3 ? .milliseconds(50) : .seconds(30)
                        guard let lock = try? FileLock.acquire("q.lock", in: dir, timeout: timeout) else { return }
                        order.withLock { $0.append(who == barger ? barger + round : who) }
                        if who != barger { MonotonicClock.sleep(.milliseconds(2)) }
                        lock.release()
                    }
                }
                // Arrivals are sequential: the next starts once this one holds its ticket (the holder has
                // 1; on a machine so loaded that a thread takes 10 s to start, the test may fail, never pass wrongly).
                let deadline = ContinuousClock.now + .seconds(10)
                while lastTicket(dir, "q.lock") < Int64(arrival + 2), ContinuousClock.now < deadline { MonotonicClock.sleep(.milliseconds(1)) }
                MonotonicClock.sleep(.milliseconds(10))
            }
            MonotonicClock.sleep(.milliseconds(500)) // waiter 3 gives up meanwhile (50 ms after it arrived)
            holder.release()
            #expect(done.wait(timeout: .now() + 60) == .success)
            #expect(order.withLock { $0 } == [0, 1, 2, barger, 4, 5] + (1..<8).map { barger + $0 })
        }
    }

    /// The queue only orders: behind a lock someone else holds in the slot range (as behind a
    /// stopped waiter) a waiter keeps its place for `LockQueue.patience`, then takes the flock
    /// unordered; a client that does not queue (`timeout: .zero`) still meets the flock, never a
    /// second holder; and the lock file stays empty (nothing is written to it).
    @Test func aDisturbedQueueStillExcludes() throws {
        try withDirectory { dir in
            let foreign = try dir.open("d.lock", [.readWrite, .create, .closeOnExec], permissions: .ownerReadWrite)
            #expect(Syscall.rangeLock(foreign.rawValue, kind: 2, start: LockQueue.slotBase + 1000, length: 1, wait: false) == 0)
            let started = ContinuousClock.now
            let first = try FileLock.acquire("d.lock", in: dir, timeout: .seconds(30))
            let waited = started.duration(to: .now)
            #expect(waited >= LockQueue.patience && waited < LockQueue.patience * 5, "\(waited)")
            #expect(lastTicket(dir, "d.lock") == 1000, "its own place let go, the foreign one left")
            #expect(throws: FileLock.Failure.timedOut) { _ = try FileLock.acquire("d.lock", in: dir, timeout: .zero) }
            #expect(throws: FileLock.Failure.timedOut) { _ = try FileLock.acquire("d.lock", in: dir, timeout: .milliseconds(50)) }
            first.release()
            try foreign.close()
            let second = try FileLock.acquire("d.lock", in: dir, timeout: .seconds(5))
            #expect(try dir.status(of: "d.lock").size == 0)
            second.release()
        }
    }
}
