import Glibc

/// A POSIX error number with the names callers match on.
public struct Errno: Error, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: CInt

    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The calling thread's current errno.
    static var current: Errno { Errno(rawValue: errno) }

    public static let notPermitted = Errno(rawValue: EPERM)
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    public static let interrupted = Errno(rawValue: EINTR)
    public static let ioError = Errno(rawValue: EIO)
    public static let permissionDenied = Errno(rawValue: EACCES)
    public static let fileExists = Errno(rawValue: EEXIST)
    public static let notDirectory = Errno(rawValue: ENOTDIR)
    public static let isDirectory = Errno(rawValue: EISDIR)
    public static let noSpace = Errno(rawValue: ENOSPC)
    public static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    public static let wouldBlock = Errno(rawValue: EWOULDBLOCK)
    public static let noDevice = Errno(rawValue: ENXIO)
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    public static let notEmpty = Errno(rawValue: ENOTEMPTY)
    public static let invalidArgument = Errno(rawValue: EINVAL)
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    public static let nameTooLong = Errno(rawValue: ENAMETOOLONG)
    /// The kernel has no such system call (ENOSYS).
    package static let notImplemented = Errno(rawValue: ENOSYS)

    public var description: String {
        guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
        return String(cString: text) + " (errno \(rawValue))"
    }
}

/// A failed system call: which call, on what, and the errno it returned.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call's name, as in `man 2` (`openat`, `fsync`, ...).
    public let call: String
    /// The path or name the call was about, relative to its directory descriptor; may be empty.
    public let pathBytes: PathBytes
    public let errno: Errno

    public init(_ call: String, path: PathBytes, errno: Errno) {
        self.call = call
        self.pathBytes = path
        self.errno = errno
    }

    public init(_ call: String, path: String = "", errno: Errno) {
        self.init(call, path: PathBytes(path), errno: errno)
    }

    /// The path as text (invalid UTF-8 as U+FFFD; `pathBytes` holds the exact bytes).
    public var path: String { pathBytes.description }

    public var description: String {
        path.isEmpty ? "\(call): \(errno)" : "\(call) \(path): \(errno)"
    }
}

/// Runs `body` until it returns something other than -1 with EINTR; -1 becomes a thrown error.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: String, path: PathBytes = "", _ body: () -> T) throws(SystemCallError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Errno.current
        if error != .interrupted { throw SystemCallError(call, path: path, errno: error) }
    }
}

/// `retryingInterrupts` for a call on `path`, passed to `body` as a C string (EINVAL for a path
/// holding a NUL byte, without a call).
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: String, on path: PathBytes,
                                          _ body: (UnsafePointer<CChar>) -> T) throws(SystemCallError) -> T {
    try path.withCString(call) { pointer in
        Result { () throws(SystemCallError) in try retryingInterrupts(call, path: path) { body(pointer) } }
    }.get()
}
