import CSystemShims
import Glibc

/// The only place in the package that calls libc's file-system entry points.
///
/// One internal function per call; each returns the raw result with errno intact. The seam is always
/// compiled: while a test runs under a `SyscallFaults` plan (a task-local value, nil otherwise), a
/// chosen call fails with a chosen errno, so ENOSPC, EIO, EACCES and EINTR paths are tested
/// deterministically; without a plan each call costs one task-local read more than the raw call.
///
/// Outside `FileSystem/`, no source file calls a libc file API (the audit, the store and the tools use
/// the types here), with two documented exceptions in the stress harness, neither of which touches a
/// file of the store: its worker pipes (`pipe`, `read`, `write`, `close` around `posix_spawn`, in
/// `JidoStress/WorkerProtocol.swift`) and its scratch directory (`mkdtemp`, `JidoStress/Support.swift`).
enum Syscall {
    @inline(__always)
    private static func injected(_ call: SyscallName) -> CInt? {
        if let errnoValue = SyscallFaults.current?.consume(call) {
            errno = errnoValue
            return -1
        }
        return nil
    }

    static func openat(_ dirfd: CInt, _ path: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt {
        SyscallFaults.current?.runActions(beforeOpening: String(cString: path))
        if let failure = injected(.open) { return failure }
        return Glibc.openat(dirfd, path, flags, mode)
    }

    static func close(_ fd: CInt) -> CInt {
        Glibc.close(fd)
    }

    static func read(_ fd: CInt, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        if let failure = injected(.read) { return Int(failure) }
        return Glibc.read(fd, buffer, count)
    }

    static func write(_ fd: CInt, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        if let failure = injected(.write) { return Int(failure) }
        return Glibc.write(fd, buffer, count)
    }

    static func fsync(_ fd: CInt) -> CInt {
        if let failure = injected(.fsync) { return failure }
        return Glibc.fsync(fd)
    }

    static func fstat(_ fd: CInt, _ buffer: UnsafeMutablePointer<stat>) -> CInt {
        if let failure = injected(.fstat) { return failure }
        return Glibc.fstat(fd, buffer)
    }

    static func fstatat(_ dirfd: CInt, _ path: UnsafePointer<CChar>, _ buffer: UnsafeMutablePointer<stat>, _ flags: CInt) -> CInt {
        if let failure = injected(.fstatat) { return failure }
        return Glibc.fstatat(dirfd, path, buffer, flags)
    }

    /// The target of the symbolic link `path` (never followed), at most `count` bytes, not
    /// NUL-terminated; the length, or -1 with errno set.
    static func readlinkat(_ dirfd: CInt, _ path: UnsafePointer<CChar>, _ buffer: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
        if let failure = injected(.readlink) { return Int(failure) }
        return Glibc.readlinkat(dirfd, path, buffer, count)
    }

    static func mkdirat(_ dirfd: CInt, _ path: UnsafePointer<CChar>, _ mode: mode_t) -> CInt {
        if let failure = injected(.mkdir) { return failure }
        return Glibc.mkdirat(dirfd, path, mode)
    }

    static func linkat(_ olddirfd: CInt, _ oldpath: UnsafePointer<CChar>, _ newdirfd: CInt, _ newpath: UnsafePointer<CChar>) -> CInt {
        if let failure = injected(.link) { return failure }
        return Glibc.linkat(olddirfd, oldpath, newdirfd, newpath, 0)
    }

    static func renameat(_ olddirfd: CInt, _ oldpath: UnsafePointer<CChar>, _ newdirfd: CInt, _ newpath: UnsafePointer<CChar>) -> CInt {
        if let failure = injected(.rename) { return failure }
        return Glibc.renameat(olddirfd, oldpath, newdirfd, newpath)
    }

    static func renameatNoReplace(_ olddirfd: CInt, _ oldpath: UnsafePointer<CChar>, _ newdirfd: CInt, _ newpath: UnsafePointer<CChar>) -> CInt {
        if let failure = injected(.rename) { return failure }
        return jido_renameat_noreplace(olddirfd, oldpath, newdirfd, newpath)
    }

    static func unlinkat(_ dirfd: CInt, _ path: UnsafePointer<CChar>, _ flags: CInt) -> CInt {
        if let failure = injected(.unlink) { return failure }
        return Glibc.unlinkat(dirfd, path, flags)
    }

    static func fchmod(_ fd: CInt, _ mode: mode_t) -> CInt {
        if let failure = injected(.fchmod) { return failure }
        return Glibc.fchmod(fd, mode)
    }

    static func flock(_ fd: CInt, _ operation: CInt) -> CInt {
        if let failure = injected(.flock) { return failure }
        return jido_flock(fd, operation)
    }

    /// An open-file-description lock on bytes `[start, start + length)`: `kind` 0 unlocks, 1 is
    /// shared, 2 exclusive; `wait` blocks (F_OFD_SETLKW) instead of failing with EAGAIN.
    static func rangeLock(_ fd: CInt, kind: CInt, start: Int64, length: Int64, wait: Bool) -> CInt {
        if let failure = injected(.rangeLock) { return failure }
        return jido_ofd_lock_range(fd, kind, start, length, wait ? 1 : 0)
    }

    /// Whether another open file description holds a lock on a byte of `[start, start + length)`
    /// (length 0: to the end and beyond): 1, 0, or -1 with errno set.
    static func rangeLocked(_ fd: CInt, start: Int64, length: Int64) -> CInt {
        if let failure = injected(.rangeLock) { return failure }
        return jido_ofd_locked(fd, start, length)
    }

    static func getrandom(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        jido_getrandom(buffer.baseAddress, buffer.count)
    }

    static func dup(_ fd: CInt) -> CInt {
        if let failure = injected(.open) { return failure }
        return fcntl(fd, F_DUPFD_CLOEXEC, 0)
    }

    /// A directory stream over `fd` (which the stream then owns); nil with errno set on failure.
    static func fdopendir(_ fd: CInt) -> OpaquePointer? {
        if injected(.opendir) != nil { return nil }
        return Glibc.fdopendir(fd)
    }

    /// The next entry, or nil at the end (errno unchanged) or on failure (errno set): callers clear
    /// errno before the call to tell the two apart.
    static func readdir(_ stream: OpaquePointer) -> UnsafeMutablePointer<dirent>? {
        if injected(.readdir) != nil { return nil }
        return Glibc.readdir(stream)
    }

    static func rewinddir(_ stream: OpaquePointer) {
        Glibc.rewinddir(stream)
    }

    /// Closes the stream and its descriptor.
    static func closedir(_ stream: OpaquePointer) -> CInt {
        Glibc.closedir(stream)
    }

    /// `path` with every symbolic link, `.` and `..` resolved; nil with errno set on failure.
    static func realpath(_ path: UnsafePointer<CChar>) -> PathBytes? {
        if injected(.realpath) != nil { return nil }
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return PathBytes(bytes: Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved))))
    }
}

/// The calls a test can make fail.
package enum SyscallName: String, Sendable, CaseIterable {
    case open, read, write, fsync, fstat, fstatat, readlink, mkdir, link, rename, unlink, fchmod, flock, rangeLock, opendir, readdir, realpath
}

/// Fault injection, scoped to the current task (tests running in parallel do not see each other's
/// plans): `SyscallFaults.$current.withValue(plan) { ... }`. Package-only: no product can reach it,
/// and with no plan set (always, outside the tests) every call goes straight to libc.
package final class SyscallFaults: Sendable {
    @TaskLocal package static var current: SyscallFaults?

    private struct Plan: Sendable {
        var rules: [(call: SyscallName, skip: Int, errno: CInt, times: Int)] = []
        var counts: [SyscallName: Int] = [:]
        var actions: [(name: String, action: @Sendable () -> Void)] = []
    }

    private let plan = Protected(Plan())

    package init() {}

    /// Makes the call fail with `errno` after `skip` successful calls, `times` times (default once).
    package func fail(_ call: SyscallName, errno: CInt, after skip: Int = 0, times: Int = 1) {
        plan.withLock { $0.rules.append((call, skip, errno, times)) }
    }

    /// Runs `action` once, just before the next `openat` of exactly `name` (for example, to swap a
    /// file between an audit's scan and its open).
    package func perform(beforeOpening name: String, _ action: @escaping @Sendable () -> Void) {
        plan.withLock { $0.actions.append((name, action)) }
    }

    func runActions(beforeOpening name: String) {
        let due: [@Sendable () -> Void] = plan.withLock { plan in
            let ready = plan.actions.filter { $0.name == name }.map(\.action)
            plan.actions.removeAll { $0.name == name }
            return ready
        }
        for action in due { action() }
    }

    /// For `ParallelMap.forEachInOrder(onEachThread:)`: binds the calling task's plan (nil: none) on each
    /// worker thread, so a test's plan holds on the threads a verification or an audit starts.
    package static func carriedToThreads() -> ParallelMap.ThreadSetup {
        let faults = current
        return { run in $current.withValue(faults) { run() } }
    }

    /// How many times `call` was attempted under this plan.
    package func count(_ call: SyscallName) -> Int { plan.withLock { $0.counts[call, default: 0] } }

    func consume(_ call: SyscallName) -> CInt? {
        plan.withLock { plan in
            let seen = plan.counts[call, default: 0]
            plan.counts[call] = seen + 1
            guard let i = plan.rules.firstIndex(where: { $0.call == call && seen >= $0.skip && $0.times > 0 }) else { return nil }
            plan.rules[i].times -= 1
            return plan.rules[i].errno
        }
    }
}
