import Glibc

/// A blocking `flock(LOCK_EX)` with a deadline: the kernel queues the wait (fair across threads and
/// processes, woken at the release), a helper thread (`DetachedThread`) makes the call, and the caller waits on a
/// condition until the helper reports or the deadline passes.
///
/// Ownership of the descriptor: until `lock(_:until:)` returns, and afterwards unless it returns
/// `.abandoned`, the caller owns it. On `.abandoned` the helper owns it: when its `flock` returns it
/// closes the descriptor, which releases the lock it may have got, so a waiter that gave up never
/// holds a lock. At most `maximumHelpers` helpers exist; past that, `lock` answers `.noHelper` and the
/// caller polls. A helper stays blocked as long as the lock is held by someone else, whose lock the
/// kernel releases when its process dies, so a helper cannot wait forever on a dead holder.
///
/// The helper runs under the caller's `SyscallFaults` plan (a task-local, rebound on the helper's thread),
/// so a test's injected `flock` failure reaches the blocking call too.
enum LockWaiter {
    enum Outcome: Equatable {
        /// The lock is held through the descriptor.
        case locked
        /// Someone else holds the lock (after a non-blocking attempt).
        case busy
        /// The deadline passed; the helper owns the descriptor and releases whatever it gets.
        case abandoned
        /// Every helper is busy: the caller polls instead.
        case noHelper
    }

    /// Helper threads blocked in `flock` at most at once (each holds one descriptor and a small stack).
    static let maximumHelpers = 32

    private static let helpers = Protected(0)

    /// How many helpers are blocked in `flock` now (for tests).
    static var activeHelpers: Int { helpers.withLock { $0 } }

    private enum State: Sendable {
        case waiting
        case finished(Errno?)
        case abandoned
    }

    /// The blocking call a helper makes.
    enum Call: Sendable, Equatable {
        /// `flock(LOCK_EX)` on the whole file.
        case exclusiveFlock
        /// A shared open-file-description lock on bytes `[start, start + length)` (`LockQueue`: waiting
        /// for the predecessor's slot to be let go).
        case sharedRange(start: Int64, length: Int64)

        var name: String {
            switch self {
            case .exclusiveFlock: "flock"
            case .sharedRange: "fcntl(F_OFD_SETLKW)"
            }
        }
    }

    /// Waits for an exclusive lock on `fd` until `deadline`.
    static func lock(_ fd: FileDescriptor, until deadline: ContinuousClock.Instant) throws(SystemCallError) -> Outcome {
        try wait(.exclusiveFlock, on: fd, until: deadline)
    }

    /// Makes `call` on `fd` on a helper thread, waiting for it until `deadline`. `beforeAbandoning`
    /// runs on `fd` at the deadline, while the caller still owns it (the helper, still blocked, has
    /// not closed it), just before it passes to the helper.
    static func wait(_ call: Call, on fd: FileDescriptor, until deadline: ContinuousClock.Instant,
                     beforeAbandoning: (FileDescriptor) -> Void = { _ in }) throws(SystemCallError) -> Outcome {
        let reserved = helpers.withLock { count in
            guard count < maximumHelpers else { return false }
            count += 1
            return true
        }
        guard reserved else { return .noHelper }
        let request = Protected(State.waiting)
        let faults = SyscallFaults.current
        let started = DetachedThread.start {
            let failure: Errno? = SyscallFaults.$current.withValue(faults) {
                while true {
                    let result = switch call {
                    case .exclusiveFlock: Syscall.flock(fd.rawValue, LOCK_EX)
                    case let .sharedRange(start, length): Syscall.rangeLock(fd.rawValue, kind: 1, start: start, length: length, wait: true)
                    }
                    if result == 0 { return nil }
                    let error = Errno.current
                    if error != .interrupted { return error }
                }
            }
            let abandoned = request.withLock { state in
                if case .abandoned = state { return true }
                state = .finished(failure)
                return false
            }
            request.broadcast()
            if abandoned { _ = Syscall.close(fd.rawValue) }
            helpers.withLock { $0 -= 1 }
        }
        guard started else {
            helpers.withLock { $0 -= 1 }
            return .noHelper
        }
        let failure: Errno?? = request.withLock(waitingUntil: { state in
            if case .waiting = state { return false }
            return true
        }, deadline: deadline) { state, _ in
            switch state {
            case let .finished(failure): return .some(failure)
            case .waiting, .abandoned:
                beforeAbandoning(fd)
                state = .abandoned
                return .none
            }
        }
        switch failure {
        case .none: return .abandoned
        case .some(.none): return .locked
        case let .some(.some(error)): throw SystemCallError(call.name, errno: error)
        }
    }
}
