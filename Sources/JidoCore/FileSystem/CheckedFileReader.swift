/// What a file must satisfy, checked on the open descriptor before a byte is read.
public struct FilePolicy: Sendable {
    /// Largest size accepted (from `fstat`; a read longer than `fstat` said is refused too).
    public var maxBytes: Int
    /// The owner required, or nil for any.
    public var requiredOwner: UInt32?
    /// Most hard links accepted, or nil for any.
    public var maxLinkCount: UInt64?
    /// Permission bits that must all be clear.
    public var forbiddenPermissions: FilePermissions

    public init(maxBytes: Int, requiredOwner: UInt32? = nil, maxLinkCount: UInt64? = nil, forbiddenPermissions: FilePermissions = []) {
        self.maxBytes = maxBytes
        self.requiredOwner = requiredOwner
        self.maxLinkCount = maxLinkCount
        self.forbiddenPermissions = forbiddenPermissions
    }
}

/// Why a checked read refused a file.
public enum FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound
    case symbolicLink
    case notRegularFile(FileType)
    case tooLarge(size: Int64, limit: Int)
    case wrongOwner(owner: UInt32, expected: UInt32)
    case tooManyLinks(UInt64)
    case insecurePermissions(FilePermissions)
    case changedWhileReading
    case system(SystemCallError)

    public var description: String {
        switch self {
        case .notFound: return "no such file"
        case .symbolicLink: return "a symbolic link (never followed)"
        case let .notRegularFile(type): return "a \(type.rawValue), not a regular file"
        case let .tooLarge(size, limit): return "\(size) bytes, more than the limit of \(limit)"
        case let .wrongOwner(owner, expected): return "owned by uid \(owner), not uid \(expected)"
        case let .tooManyLinks(count): return "\(count) hard links"
        case let .insecurePermissions(mode): return "mode \(mode) is too permissive"
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
public enum CheckedFileReader {
    public static func read(_ name: String, in directory: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        let fd: FileDescriptor
        do {
            fd = try directory.open(name, .hardenedRead)
        } catch {
            switch error.errno {
            case .noSuchFileOrDirectory: throw .notFound
            case .tooManySymbolicLinks: throw .symbolicLink
            default: throw .system(error)
            }
        }
        return try fd.closeAfter { (fd) throws(FileReadError) in try read(fd, policy: policy) }
    }

    /// Reads `path` (its directory part is resolved normally; the last component is never followed).
    public static func read(path: String, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        let (parent, name) = splitPath(path)
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw error.errno == .noSuchFileOrDirectory ? .notFound : .system(error)
        }
        return try directory.closeAfter { (dir) throws(FileReadError) in try read(name, in: dir, policy: policy) }
    }

    /// Checks the open descriptor against `policy`, then reads it whole.
    public static func read(_ fd: FileDescriptor, policy: FilePolicy) throws(FileReadError) -> (bytes: [UInt8], status: FileStatus) {
        let status: FileStatus
        do { status = try fd.status() } catch { throw .system(error) }
        try check(status, policy: policy)
        let result: (bytes: [UInt8], exceededLimit: Bool)
        do {
            result = try fd.readAll(limit: policy.maxBytes, sizeHint: Int(status.size))
        } catch {
            throw .system(error)
        }
        guard !result.exceededLimit, result.bytes.count == Int(status.size) else { throw .changedWhileReading }
        return (result.bytes, status)
    }

    public static func check(_ status: FileStatus, policy: FilePolicy) throws(FileReadError) {
        guard status.type == .regular else { throw .notRegularFile(status.type) }
        guard status.size <= Int64(policy.maxBytes) else { throw .tooLarge(size: status.size, limit: policy.maxBytes) }
        if let owner = policy.requiredOwner, status.owner != owner { throw .wrongOwner(owner: status.owner, expected: owner) }
        if let maxLinks = policy.maxLinkCount, status.linkCount > maxLinks { throw .tooManyLinks(status.linkCount) }
        guard status.permissions.isDisjoint(with: policy.forbiddenPermissions) else { throw .insecurePermissions(status.permissions) }
    }

    /// Splits a path into its directory (`.` when there is none) and last component.
    public static func splitPath(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let parent = String(path[..<slash])
        return (parent.isEmpty ? "/" : parent, String(path[path.index(after: slash)...]))
    }
}
