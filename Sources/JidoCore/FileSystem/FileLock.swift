import Glibc

/// An exclusive, kernel-held lock on a stable lock file (`flock`).
///
/// The kernel releases it when the last descriptor of its open file description closes, so a holder
/// killed with SIGKILL never leaves a stale lock. Each acquisition opens its own description, so two
/// threads of one process exclude each other as two processes do. After locking, the descriptor's
/// inode is compared with the name's: if the lock file was unlinked or replaced meanwhile, the lock
/// is retried on the new file, so deleting a lock file can never give two holders.
package struct FileLock: ~Copyable {
    private let descriptor: FileDescriptor

    private init(descriptor: FileDescriptor) { self.descriptor = descriptor }

    /// Why a lock was not taken.
    public enum Failure: Error, Sendable, Equatable {
        case timedOut
        case system(SystemCallError)
    }

    /// Takes the lock on `name` in `directory` (creating the file 0600 if needed), waiting at most
    /// `timeout`; a zero timeout tries once.
    ///
    /// Waits are fair: a waiter first takes its place in the file's queue (`LockQueue`: served in
    /// arrival order across threads and processes, a newcomer never jumps it), then takes the
    /// `flock`, which its predecessor has let go by then; if the lock is still busy (a client that
    /// does not queue), the wait is the kernel's own blocking `flock`, woken at the release. Both
    /// waits run on a helper thread (`LockWaiter`) so that the caller can stop at its deadline; a
    /// lock the helper gets after that is released at once. When every helper is busy, the wait
    /// falls back to polling with backoff. A zero timeout tries the `flock` once, without queueing.
    public static func acquire(_ name: String, in directory: FileDescriptor, timeout: Duration) throws(Failure) -> FileLock {
        let deadline = ContinuousClock.now.advanced(by: max(timeout, .zero))
        var pause = Duration.microseconds(100)
        var queues = timeout > .zero
        while true {
            let fd: FileDescriptor
            do {
                fd = try directory.open(name, [.readWrite, .create, .noFollow, .closeOnExec], permissions: .ownerReadWrite)
            } catch {
                throw .system(error)
            }
            if queues, let ticket = LockQueue.enqueue(fd, until: deadline),
               LockQueue.waitForTurn(fd, ticket: ticket, until: deadline) == .abandoned {
                // The helper owns `fd` (our slot already let go). Out of patience with the queue:
                // wait unordered on a new descriptor, unless the deadline has passed.
                if ContinuousClock.now >= deadline { throw .timedOut }
                queues = false
                continue
            }
            var outcome: LockWaiter.Outcome
            do throws(SystemCallError) {
                outcome = try tryLock(fd) ? .locked : .busy
                if outcome == .busy, ContinuousClock.now < deadline {
                    outcome = try LockWaiter.lock(fd, until: deadline)
                }
                if outcome == .locked, try isStillNamed(fd, name, in: directory) { return FileLock(descriptor: fd) }
            } catch {
                _ = Syscall.close(fd.rawValue)
                throw .system(error)
            }
            switch outcome {
            case .locked:
                // The name now points at another file: lock that one.
                _ = Syscall.close(fd.rawValue)
                continue
            case .abandoned:
                // The helper owns `fd` now and closes it (releasing any lock it gets).
                throw .timedOut
            case .busy, .noHelper:
                _ = Syscall.close(fd.rawValue)
            }
            let now = ContinuousClock.now
            if now >= deadline { throw .timedOut }
            MonotonicClock.sleep(min(pause, now.duration(to: deadline)))
            pause = min(pause * 2, .milliseconds(5))
        }
    }

    /// Releases the lock: the `flock` first, then (closing the descriptor) the queue slot, so the
    /// next waiter in `LockQueue` order finds the `flock` free when the kernel wakes it.
    public consuming func release() {
        Self.letGo(descriptor)
        discard self
    }

    deinit { Self.letGo(descriptor) }

    private static func letGo(_ fd: FileDescriptor) {
        _ = Syscall.flock(fd.rawValue, LOCK_UN)
        _ = Syscall.close(fd.rawValue)
    }

    /// Removes the lock file while holding the lock, then releases it. Waiters that opened the old
    /// file notice the unlink when they get the lock and retry on a new file.
    public consuming func releaseRemoving(_ name: String, in directory: FileDescriptor) {
        try? directory.unlink(name)
        release()
    }

    private static func tryLock(_ fd: FileDescriptor) throws(SystemCallError) -> Bool {
        while true {
            if Syscall.flock(fd.rawValue, LOCK_EX | LOCK_NB) == 0 { return true }
            let error = Errno.current
            if error == .wouldBlock { return false }
            if error != .interrupted { throw SystemCallError("flock", errno: error) }
        }
    }

    private static func isStillNamed(_ fd: FileDescriptor, _ name: String, in directory: FileDescriptor) throws(SystemCallError) -> Bool {
        let held = try fd.status()
        do {
            let named = try directory.status(of: name)
            return named.device == held.device && named.inode == held.inode
        } catch where error.errno == .noSuchFileOrDirectory {
            return false
        }
    }

    /// Whether `name` is locked by someone right now (tries without waiting; never creates the file).
    /// Only a regular file is ever opened: the entry's type is checked before the open (a FIFO,
    /// device or socket planted as a lock file is not opened at all) and again on the descriptor.
    public static func isHeld(_ name: String, in directory: FileDescriptor) -> Bool {
        guard (try? directory.status(of: name))?.type == .regular,
              let fd = try? directory.open(name, [.readOnly, .noFollow, .closeOnExec, .nonBlocking]) else { return false }
        defer { _ = Syscall.close(fd.rawValue) }
        guard (try? fd.status())?.type == .regular else { return false }
        return (try? tryLock(fd)) == false
    }
}

/// CLOCK_MONOTONIC in seconds, for timeouts that wall-clock changes cannot stretch.
package enum MonotonicClock {
    public static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        sleep(Double(seconds) + Double(attoseconds) / 1e18)
    }

    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }
}
