import Glibc

/// What kind of file an inode is.
public enum FileType: String, Sendable, Hashable {
    case regular, directory, symbolicLink = "symlink", fifo, characterDevice = "character device"
    case blockDevice = "block device", socket, unknown

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }
}

/// A point-in-time timestamp from `stat`, with nanoseconds.
package struct FileTime: Sendable, Hashable, Comparable, Codable {
    public let seconds: Int
    public let nanoseconds: Int

    public init(seconds: Int, nanoseconds: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: FileTime, b: FileTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// The attributes of an inode, as `fstat`/`fstatat` report them.
package struct FileStatus: Sendable, Hashable {
    public let device: UInt64
    public let inode: UInt64
    public let type: FileType
    public let permissions: FilePermissions
    public let linkCount: UInt64
    public let owner: UInt32
    public let group: UInt32
    public let size: Int64
    public let modified: FileTime
    public let changed: FileTime

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        type = FileType(mode: st.st_mode)
        permissions = FilePermissions(rawValue: st.st_mode)
        linkCount = UInt64(st.st_nlink)
        owner = st.st_uid
        group = st.st_gid
        size = Int64(st.st_size)
        modified = FileTime(seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec))
        changed = FileTime(seconds: Int(st.st_ctim.tv_sec), nanoseconds: Int(st.st_ctim.tv_nsec))
    }

    /// The attributes that name one file for TOCTOU checks: the scan's `lstat` and the open
    /// descriptor's `fstat` must agree on all of them.
    public var identity: FileIdentity {
        FileIdentity(device: device, inode: inode, owner: owner, group: group, type: type, permissions: permissions)
    }
}

/// Device, inode, owner, group, type and mode: equal values mean the same, unchanged file.
package struct FileIdentity: Sendable, Hashable, CustomStringConvertible {
    public let device: UInt64
    public let inode: UInt64
    public let owner: UInt32
    public let group: UInt32
    public let type: FileType
    public let permissions: FilePermissions

    /// The names of the attributes that differ between `self` and `other` (empty when equal).
    public func differences(from other: FileIdentity) -> [String] {
        var changed: [String] = []
        if device != other.device { changed.append("device") }
        if inode != other.inode { changed.append("inode") }
        if owner != other.owner { changed.append("owner") }
        if group != other.group { changed.append("group") }
        if type != other.type { changed.append("type") }
        if permissions != other.permissions { changed.append("mode") }
        return changed
    }

    public var description: String {
        "dev \(device) ino \(inode) uid \(owner) gid \(group) \(type.rawValue) \(permissions)"
    }
}

/// The identity of the running process, for ownership checks.
package enum ProcessIdentity {
    /// The effective user id (files we trust must be owned by it).
    public static var effectiveUser: UInt32 { geteuid() }

    /// The uid of user `name` in the password database, or nil when there is none. The
    /// corresponding C function is `getpwnam_r`.
    public static func userID(named name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = name.withCString { getpwnam_r($0, &entry, &buffer, buffer.count, &result) }
        guard status == 0, result != nil else { return nil }
        return entry.pw_uid
    }
}

/// What the running process has used so far (all its threads), for the benchmarks. The
/// corresponding C function is `getrusage(RUSAGE_SELF)`.
package struct ProcessUsage: Sendable {
    /// User plus system CPU seconds.
    package let cpuSeconds: Double
    /// Peak resident set size, in bytes.
    package let peakResidentBytes: Int

    package static func current() -> ProcessUsage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return ProcessUsage(cpuSeconds: cpu, peakResidentBytes: usage.ru_maxrss * 1024)
    }
}
