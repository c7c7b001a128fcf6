import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `FileLock.acquire`: one non-blocking attempt, then the kernel's own blocking wait on a helper thread
/// with a deadline (`LockWaiter`); a waiter that gives up never ends up holding the lock.
@Suite struct FileLockTests {
    func withDirectory<R>(_ body: (FileDescriptor) throws -> R) throws -> R {
        try withTemporaryDirectory { root in
            let fd = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? fd.close() }
            return try body(fd)
        }
    }

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
            // One attempt without waiting, one blocking call: no polling (which makes a call every 5 ms at most).
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
            // The first flock (LOCK_NB) answers EWOULDBLOCK; the second, on the helper thread, fails.
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
}
