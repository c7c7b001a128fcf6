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
    /// `timeout` seconds; a zero timeout tries once.
    public static func acquire(_ name: String, in directory: FileDescriptor, timeout: Double) throws(Failure) -> FileLock {
        let deadline = MonotonicClock.now + timeout
        var pause = 0.000_1
        while true {
            let fd: FileDescriptor
            do {
                fd = try directory.open(name, [.readWrite, .create, .noFollow, .closeOnExec], permissions: .ownerReadWrite)
            } catch {
                throw .system(error)
            }
            var locked = false
            do throws(SystemCallError) {
                locked = try tryLock(fd)
                if locked, try isStillNamed(fd, name, in: directory) { return FileLock(descriptor: fd) }
            } catch {
                _ = Syscall.close(fd.rawValue)
                throw .system(error)
            }
            _ = Syscall.close(fd.rawValue)
            if locked { continue } // The name now points at another file: lock that one.
            let now = MonotonicClock.now
            if now >= deadline { throw .timedOut }
            MonotonicClock.sleep(min(pause, deadline - now))
            pause = min(pause * 2, 0.005)
        }
    }

    /// Releases the lock (closing the descriptor releases it in the kernel).
    public consuming func release() {
        _ = Syscall.close(descriptor.rawValue)
        discard self
    }

    deinit { _ = Syscall.close(descriptor.rawValue) }

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

    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }
}
