/// What a file must satisfy, checked on the open descriptor before a byte is read.
package struct FilePolicy: Sendable {
    /// Largest size accepted (from `fstat`; a read longer than `fstat` said is refused too).
    public var maxBytes: Int
    /// The trust rule the file must meet (`FileTrust`), or nil for a file the user named themselves
    /// (any owner, mode and link count; it must still be a regular file).
    public var role: TrustRole?

    public init(maxBytes: Int, role: TrustRole? = nil) {
        self.maxBytes = maxBytes
        self.role = role
    }
}

/// Why a checked read refused a file.
package enum FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound
    case symbolicLink
    /// Not a regular file, or it broke the policy's trust rule (the first violation its role refuses).
    case untrusted(TrustViolation)
    case tooLarge(size: Int64, limit: Int)
    case changedWhileReading
    case system(SystemCallError)

    /// The one mapping from a trust violation to a read error.
    init(_ violation: TrustViolation) { self = .untrusted(violation) }

    public var description: String {
        switch self {
        case .notFound: return "no such file"
        case .symbolicLink: return "a symbolic link (never followed)"
        case let .untrusted(.wrongType(type)): return "a \(type.rawValue), not a regular file"
        case let .untrusted(.wrongOwner(owner, expected)): return "owned by uid \(owner), not uid \(expected)"
        case let .untrusted(.hardLinked(count)): return "\(count) hard links"
        case let .untrusted(.writableByOthers(mode)), let .untrusted(.readableByOthers(mode)): return "mode \(mode) is too permissive"
        case let .tooLarge(size, limit): return "\(size) bytes, more than the limit of \(limit)"
        case .changedWhileReading: return "changed while it was read"
        case let .system(error): return error.description
        }
    }
}

/// Reads whole files only through a descriptor whose `fstat` passed the policy first.
///
/// The open uses O_NOFOLLOW (a symlink is refused, not followed), O_NONBLOCK (a FIFO or device never
/// blocks the reader) and O_CLOEXEC; the type, size, owner, link count and mode are checked on the
/// descriptor before any read; the bytes read must match the size `fstat` gave.
package enum CheckedFileReader {
    public static func read(_ name: String, in directory: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        try read(PathBytes(name), in: directory, policy: policy)
    }

    public static func read(_ name: PathBytes, in directory: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        try open(name, in: directory).closeAfter { (fd) throws(FileReadError) in try read(fd, policy: policy) }
    }

    /// Reads `path` (its directory part is resolved normally; the last component is never followed).
    public static func read(path: String, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        try read(path: PathBytes(path), policy: policy)
    }

    public static func read(path: PathBytes, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        try open(path: path).closeAfter { (fd) throws(FileReadError) in try read(fd, policy: policy) }
    }

    /// `read(path:policy:)` into `buffer`, reused from file to file (a thread reading many files then
    /// allocates and page-faults one buffer, not one per file): the descriptor's status, the bytes in `buffer`.
    public static func read(path: PathBytes, policy: FilePolicy, into buffer: ReadBuffer) throws(FileReadError) -> FileStatus {
        try open(path: path).closeAfter { (fd) throws(FileReadError) in
            let status = try checkedStatus(fd, policy: policy)
            let exceededLimit: Bool
            do throws(SystemCallError) { exceededLimit = try buffer.fill(from: fd, limit: policy.maxBytes, sizeHint: Int(status.size)) } catch { throw .system(error) }
            guard !exceededLimit, buffer.count == Int(status.size) else { throw .changedWhileReading }
            return status
        }
    }

    /// Opens the last component of `path` (never followed) in its directory.
    private static func open(path: PathBytes) throws(FileReadError) -> FileDescriptor {
        let (parent, name) = path.split
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw error.errno == .noSuchFileOrDirectory ? .notFound : .system(error)
        }
        return try directory.closeAfter { (directory) throws(FileReadError) in try open(name, in: directory) }
    }

    /// Opens `name` in `directory` with `.hardenedRead`.
    private static func open(_ name: PathBytes, in directory: FileDescriptor) throws(FileReadError) -> FileDescriptor {
        do {
            return try directory.open(name, .hardenedRead)
        } catch {
            switch error.errno {
            case .noSuchFileOrDirectory: throw .notFound
            case .tooManySymbolicLinks: throw .symbolicLink
            default: throw .system(error)
            }
        }
    }

    /// The descriptor's status, once it passed `policy`.
    private static func checkedStatus(_ fd: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> FileStatus {
        let status: FileStatus
        do { status = try fd.status() } catch { throw .system(error) }
        try check(status, policy: policy)
        return status
    }

    /// Checks the open descriptor against `policy`, then reads it whole.
    public static func read(_ fd: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        let status = try checkedStatus(fd, policy: policy)
        let result: (bytes: [UInt8], exceededLimit: Bool)
        do {
            result = try fd.readAll(limit: policy.maxBytes, sizeHint: Int(status.size))
        } catch {
            throw .system(error)
        }
        guard !result.exceededLimit, result.bytes.count == Int(status.size) else { throw .changedWhileReading }
        return (result.bytes, status)
    }

    /// A read needs a regular file whatever the role; then the size, then the role's first refusal.
    public static func check(_ status: FileStatus, policy: FilePolicy) throws(FileReadError) {
        guard status.type == .regular else { throw FileReadError(.wrongType(status.type)) }
        guard status.size <= Int64(policy.maxBytes) else { throw .tooLarge(size: status.size, limit: policy.maxBytes) }
        if let role = policy.role, let refusal = FileTrust(role).refusal(of: status) { throw FileReadError(refusal) }
    }

    /// Splits a UTF-8 path into its directory (`.` when there is none) and last component (`PathBytes.split`).
    public static func splitPath(_ path: String) -> (parent: String, name: String) {
        let (parent, name) = PathBytes(path).split
        return (parent.description, name.description)
    }
}
