import Glibc
internal import CSystemShims

/// Flags for `openat`; each maps to one `O_*` constant, named here and nowhere else.
package struct OpenOptions: OptionSet, Sendable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    public static let readOnly = OpenOptions([])
    public static let writeOnly = OpenOptions(rawValue: O_WRONLY)
    public static let readWrite = OpenOptions(rawValue: O_RDWR)
    public static let create = OpenOptions(rawValue: O_CREAT)
    public static let exclusiveCreate = OpenOptions(rawValue: O_EXCL)
    public static let noFollow = OpenOptions(rawValue: O_NOFOLLOW)
    public static let closeOnExec = OpenOptions(rawValue: O_CLOEXEC)
    public static let directory = OpenOptions(rawValue: O_DIRECTORY)
    public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
    public static let noCTTY = OpenOptions(rawValue: O_NOCTTY)
    public static let truncate = OpenOptions(rawValue: O_TRUNC)
    /// A reference to the inode only (`O_PATH`): the file is not opened for I/O, so opening a
    /// device or FIFO this way has no effect on it; used to keep a file alive, never to read it.
    /// Empty where the platform has no `O_PATH` (then never use it: it would open for reading).
    public static let pathOnly = OpenOptions(rawValue: jido_o_path())

    /// What every untrusted open uses: no symlink at the last component, no blocking on a FIFO or
    /// device, no controlling terminal, not inherited by children.
    public static let hardenedRead: OpenOptions = [.readOnly, .noFollow, .nonBlocking, .noCTTY, .closeOnExec]
}

/// Permission bits; `0o600` and friends appear here only (in `Sources/`; tests plant modes by number).
public struct FilePermissions: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue & 0o7777 }

    public static let ownerReadWrite = FilePermissions(rawValue: 0o600)
    public static let ownerAll = FilePermissions(rawValue: 0o700)
    public static let groupRead = FilePermissions(rawValue: 0o040)
    public static let groupWrite = FilePermissions(rawValue: 0o020)
    public static let otherRead = FilePermissions(rawValue: 0o004)
    public static let otherWrite = FilePermissions(rawValue: 0o002)
    public static let groupAndOtherWrite: FilePermissions = [.groupWrite, .otherWrite]
    /// Every group and other bit.
    public static let groupAndOther = FilePermissions(rawValue: 0o077)
    public static let sticky = FilePermissions(rawValue: 0o1000)

    /// Octal, as `ls` and `chmod` users read it: `0600`.
    public var description: String {
        let octal = String(rawValue, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }
}

/// An open file descriptor: a small value around the raw `CInt`.
///
/// The owner closes it exactly once (`close()` or `closeAfter`). Calls retry EINTR except `close`.
package struct FileDescriptor: Sendable, Hashable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The current working directory, for `*at` calls on absolute or cwd-relative paths.
    public static let currentWorkingDirectory = FileDescriptor(rawValue: AT_FDCWD)

    /// Opens `path` relative to this directory descriptor. The corresponding C function is `openat`.
    public func open(_ path: PathBytes, _ options: OpenOptions, permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> FileDescriptor {
        let fd = try retryingInterrupts("openat", on: path) { Syscall.openat(rawValue, $0, options.rawValue, mode_t(permissions.rawValue)) }
        return FileDescriptor(rawValue: fd)
    }

    public func open(_ path: String, _ options: OpenOptions, permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> FileDescriptor {
        try open(PathBytes(path), options, permissions: permissions)
    }

    /// Opens `path` (absolute, or relative to the working directory).
    public static func open(_ path: PathBytes, _ options: OpenOptions, permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> FileDescriptor {
        try currentWorkingDirectory.open(path, options, permissions: permissions)
    }

    public static func open(_ path: String, _ options: OpenOptions, permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> FileDescriptor {
        try currentWorkingDirectory.open(PathBytes(path), options, permissions: permissions)
    }

    /// Closes the descriptor; never retried (Linux frees the descriptor even on EINTR).
    public func close() throws(SystemCallError) {
        if Syscall.close(rawValue) == -1 {
            let error = Errno.current
            if error != .interrupted { throw SystemCallError("close", errno: error) }
        }
    }

    /// Runs `body`, then closes the descriptor whatever happened. A close error is ignored on both
    /// paths: Linux frees the descriptor even when `close` fails, the body's own error (if any) is the
    /// one worth reporting, and `E` cannot carry a `SystemCallError`. Callers that must know that
    /// buffered data reached the file `sync()` inside `body` (as `AtomicFileWriter` does).
    public func closeAfter<R, E: Error>(_ body: (FileDescriptor) throws(E) -> R) throws(E) -> R {
        let result: R
        do {
            result = try body(self)
        } catch {
            _ = Syscall.close(rawValue)
            throw error
        }
        _ = Syscall.close(rawValue)
        return result
    }

    /// The descriptor's status. The corresponding C function is `fstat`.
    public func status() throws(SystemCallError) -> FileStatus {
        var st = stat()
        _ = try retryingInterrupts("fstat") { Syscall.fstat(rawValue, &st) }
        return FileStatus(st)
    }

    /// The status of `name` in this directory without following a symlink (`fstatat`, `AT_SYMLINK_NOFOLLOW`).
    public func status(of name: PathBytes) throws(SystemCallError) -> FileStatus {
        var st = stat()
        _ = try retryingInterrupts("fstatat", on: name) { Syscall.fstatat(rawValue, $0, &st, AT_SYMLINK_NOFOLLOW) }
        return FileStatus(st)
    }

    public func status(of name: String) throws(SystemCallError) -> FileStatus { try status(of: PathBytes(name)) }

    /// The longest symbolic link target `linkTarget(of:)` returns: Linux's PATH_MAX, which no
    /// target reaches (the kernel refuses longer ones).
    public static let maxLinkTargetBytes = 4096

    /// The target of the symbolic link `name` in this directory, as bytes (a target need not be
    /// UTF-8); the link is read, never followed. EINVAL when `name` is not a symbolic link (or holds
    /// a NUL byte, without a call), ENAMETOOLONG when the target fills `maxLinkTargetBytes`. The
    /// corresponding C function is `readlinkat`.
    public func linkTarget(of name: PathBytes) throws(SystemCallError) -> [UInt8] {
        var failure: SystemCallError?
        let target = [UInt8](unsafeUninitializedCapacity: Self.maxLinkTargetBytes) { buffer, initialized in
            initialized = 0
            do throws(SystemCallError) {
                initialized = try buffer.withMemoryRebound(to: CChar.self) { chars throws(SystemCallError) in
                    guard let start = chars.baseAddress else { return 0 }
                    return try retryingInterrupts("readlinkat", on: name) { Syscall.readlinkat(rawValue, $0, start, chars.count) }
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        guard target.count < Self.maxLinkTargetBytes else {
            throw SystemCallError("readlinkat", path: name, errno: .nameTooLong)
        }
        return target
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file. The corresponding C function is `read`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemCallError) -> Int {
        try retryingInterrupts("read") { Syscall.read(rawValue, buffer.baseAddress, buffer.count) }
    }

    /// Reads to end of file, refusing more than `limit` bytes (the read stops at `limit + 1`).
    public func readAll(limit: Int, sizeHint: Int = 0) throws(SystemCallError) -> (bytes: [UInt8], exceededLimit: Bool) {
        // Fill an uninitialized buffer of the expected size plus one byte (to see growth), growing
        // it only if the file is longer than announced; never more than `limit + 1` bytes.
        var capacity = min(max(sizeHint, 0), limit) + 1
        var bytes: [UInt8] = []
        var filled = 0
        var failure: SystemCallError?
        while failure == nil {
            let start = filled
            let wanted = capacity
            let more = [UInt8](unsafeUninitializedCapacity: wanted - start) { buffer, initialized in
                initialized = 0
                while initialized < buffer.count {
                    do throws(SystemCallError) {
                        let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[initialized...]))
                        if n == 0 { break }
                        initialized += n
                    } catch {
                        failure = error
                        break
                    }
                }
            }
            if bytes.isEmpty { bytes = more } else { bytes += more }
            filled += more.count
            if more.count < wanted - start || filled > limit { break } // end of file, or over the limit
            capacity = min(max(capacity * 2, 4096), limit + 1)
        }
        if let failure { throw failure }
        if filled > limit {
            bytes.removeSubrange(limit...)
            return (bytes, true)
        }
        return (bytes, false)
    }

    /// Writes every byte, looping over short writes. The corresponding C function is `write`.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingInterrupts("write") {
                Syscall.write(rawValue, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            offset += n
        }
    }

    public func writeAll(_ bytes: [UInt8]) throws(SystemCallError) {
        try bytes.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try writeAll(buffer) } }.get()
    }

    /// Flushes data and metadata to stable storage. The corresponding C function is `fsync`.
    public func sync() throws(SystemCallError) {
        _ = try retryingInterrupts("fsync") { Syscall.fsync(rawValue) }
    }

    /// Sets the permission bits of the open file (never a path). The corresponding C function is `fchmod`.
    public func setPermissions(_ permissions: FilePermissions) throws(SystemCallError) {
        _ = try retryingInterrupts("fchmod") { Syscall.fchmod(rawValue, mode_t(permissions.rawValue)) }
    }

    /// Creates directory `name` here with `permissions` (before the umask). The C function is `mkdirat`.
    public func makeDirectory(_ name: PathBytes, permissions: FilePermissions = .ownerAll) throws(SystemCallError) {
        _ = try retryingInterrupts("mkdirat", on: name) { Syscall.mkdirat(rawValue, $0, mode_t(permissions.rawValue)) }
    }

    public func makeDirectory(_ name: String, permissions: FilePermissions = .ownerAll) throws(SystemCallError) {
        try makeDirectory(PathBytes(name), permissions: permissions)
    }

    /// Adds the hard link `newName` (in `directory`) for `name`; fails with EEXIST rather than replace.
    public func link(_ name: String, to newName: String, in directory: FileDescriptor) throws(SystemCallError) {
        _ = try retryingInterrupts("linkat", path: PathBytes(newName)) {
            name.withCString { old in newName.withCString { new in Syscall.linkat(rawValue, old, directory.rawValue, new) } }
        }
    }

    /// Atomically replaces `newName` (in `directory`) with `name`. The C function is `renameat`.
    public func rename(_ name: PathBytes, to newName: PathBytes, in directory: FileDescriptor) throws(SystemCallError) {
        _ = try name.withCString("renameat") { old in
            Result { () throws(SystemCallError) in
                try retryingInterrupts("renameat", on: newName) { new in Syscall.renameat(rawValue, old, directory.rawValue, new) }
            }
        }.get()
    }

    public func rename(_ name: String, to newName: String, in directory: FileDescriptor) throws(SystemCallError) {
        try rename(PathBytes(name), to: PathBytes(newName), in: directory)
    }

    /// Atomically gives `name` the name `newName` (in `directory`); fails with EEXIST rather than
    /// replace. Unlike `link` then `unlink`, no moment exists when the file has two names. A file system
    /// without the flag fails with EINVAL (ENOSYS on a kernel older than 3.15). The C function is
    /// `renameat2(..., RENAME_NOREPLACE)`.
    package func renameWithoutReplacing(_ name: String, to newName: String, in directory: FileDescriptor) throws(SystemCallError) {
        _ = try retryingInterrupts("renameat2", path: PathBytes(newName)) {
            name.withCString { old in newName.withCString { new in Syscall.renameatNoReplace(rawValue, old, directory.rawValue, new) } }
        }
    }

    /// Removes `name` from this directory. The corresponding C function is `unlinkat`.
    public func unlink(_ name: PathBytes, directory: Bool = false) throws(SystemCallError) {
        _ = try retryingInterrupts("unlinkat", on: name) { Syscall.unlinkat(rawValue, $0, directory ? AT_REMOVEDIR : 0) }
    }

    public func unlink(_ name: String, directory: Bool = false) throws(SystemCallError) {
        try unlink(PathBytes(name), directory: directory)
    }
}
