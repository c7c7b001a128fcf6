import Glibc

/// One entry of a directory, as `readdir` gives it.
package struct DirectoryEntry: Sendable, Hashable {
    /// The name's raw bytes; file names need not be UTF-8.
    public let nameBytes: [UInt8]
    /// The name as text, or nil when its bytes are not valid UTF-8 (such a file is never opened by
    /// name: a repaired string would name a different file).
    public var name: String? { String(validating: nameBytes, as: UTF8.self) }
}

extension FileDescriptor {
    /// The entries of this directory, without `.` and `..`, at most `limit` of them.
    /// Reads through a duplicate descriptor, so `self` stays open and positioned as it was.
    /// The corresponding C functions are `fdopendir` and `readdir`.
    public func entries(limit: Int = 1_000_000) throws(SystemCallError) -> (entries: [DirectoryEntry], truncated: Bool) {
        let copy = try retryingInterrupts("fcntl(F_DUPFD_CLOEXEC)") { Syscall.dup(rawValue) }
        guard let stream = Syscall.fdopendir(copy) else {
            let error = Errno.current
            _ = Syscall.close(copy)
            throw SystemCallError("fdopendir", errno: error)
        }
        defer { _ = Syscall.closedir(stream) }
        Syscall.rewinddir(stream)
        var result: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = Syscall.readdir(stream) else {
                if errno != 0 { throw SystemCallError("readdir", errno: .current) }
                return (result, false)
            }
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            if result.count >= limit { return (result, true) }
            result.append(DirectoryEntry(nameBytes: bytes))
        }
    }
}
