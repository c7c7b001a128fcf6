/// Atomic, durable replacement of a file in a directory held open by descriptor.
///
/// The bytes go to a new temporary file in the same directory, created with
/// O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and its final mode (no chmod afterwards), written whole,
/// fsynced, renamed over the target, and the directory is fsynced. A crash at any instant leaves the
/// old complete file or the new complete file. On any failure before the rename the temporary is
/// removed and the target is untouched. Temporary names are `.<target>.<16 hex>.tmp`.
package enum AtomicFileWriter {
    public static let temporarySuffix = ".tmp"

    /// Whether `name` is a temporary this writer creates for `target`.
    public static func isTemporary(_ name: String, for target: String) -> Bool {
        name.hasPrefix("." + target + ".") && name.hasSuffix(temporarySuffix)
            && name.utf8.count == target.utf8.count + 2 + 16 + temporarySuffix.utf8.count
    }

    /// The target `name` is a temporary of (`.<target>.<16 hex>.tmp`), or nil when it is not one.
    public static func target(ofTemporary name: String) -> String? {
        let extra = 2 + 16 + temporarySuffix.utf8.count
        guard name.hasPrefix("."), name.utf8.count > extra else { return nil }
        let target = String(decoding: name.utf8.dropFirst().dropLast(extra - 1), as: UTF8.self)
        return isTemporary(name, for: target) ? target : nil
    }

    /// Writes `bytes` as `name` in `directory`, atomically and durably.
    public static func write(_ bytes: [UInt8], as name: String, in directory: FileDescriptor,
                             permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) {
        try write(parts: [bytes[...]], as: name, in: directory, permissions: permissions)
    }

    /// Writes the concatenation of `parts` as `name` in `directory`, atomically and durably.
    public static func write(parts: [ArraySlice<UInt8>], as name: String, in directory: FileDescriptor,
                             permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) {
        try write(parts: parts, as: PathBytes(name), in: directory, permissions: permissions)
    }

    /// Writes `bytes` as `name` (any bytes: a name need not be UTF-8) in `directory`, atomically and durably.
    public static func write(_ bytes: [UInt8], as name: PathBytes, in directory: FileDescriptor,
                             permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) {
        try write(parts: [bytes[...]], as: name, in: directory, permissions: permissions)
    }

    public static func write(parts: [ArraySlice<UInt8>], as name: PathBytes, in directory: FileDescriptor,
                             permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) {
        try replace(parts: parts, as: name, in: directory, permissions: permissions).complete()
    }

    /// A file renamed into place whose directory entry is not durable yet; `complete()` fsyncs the
    /// directory, then lets the replaced file go. The file's bytes are durable already (fsynced
    /// before the rename), so whatever entry a crash leaves points at a complete file, the old one
    /// or the new one.
    ///
    /// The replaced file is held across the rename by an `O_PATH` descriptor (a reference to its
    /// inode; nothing is opened for I/O, so a device or FIFO planted there is not touched), so the
    /// rename only unlinks it and the kernel frees its blocks (and, on a file system mounted with
    /// `discard`, trims them) at the close in `complete()`, not inside the rename: a writer holding
    /// a lock does not make its waiters wait for that. Measured with 4 concurrent writers of
    /// 500 KB files here: rename p50 0.69 → 0.02 ms, p99 5.7 → 0.7 ms.
    package struct PendingDirectorySync {
        let directory: FileDescriptor
        let replaced: FileDescriptor?

        /// Makes the rename durable (and every other rename made in the directory before it), then
        /// closes the replaced file (also when the fsync fails). Call it exactly once.
        package func complete() throws(SystemCallError) {
            defer { if let replaced { _ = Syscall.close(replaced.rawValue) } }
            try directory.sync()
        }
    }

    /// `write(parts:as:in:)` up to the rename: the caller makes it durable with `complete()` later,
    /// which lets a writer holding a lock release it before the directory's fsync (see
    /// `SessionStore.update`). The directory descriptor must stay open until then. On a throw,
    /// nothing is pending.
    package static func replace(parts: [ArraySlice<UInt8>], as name: String, in directory: FileDescriptor,
                                permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> PendingDirectorySync {
        try replace(parts: parts, as: PathBytes(name), in: directory, permissions: permissions)
    }

    package static func replace(parts: [ArraySlice<UInt8>], as name: PathBytes, in directory: FileDescriptor,
                                permissions: FilePermissions = .ownerReadWrite) throws(SystemCallError) -> PendingDirectorySync {
        let temporary = try temporaryName(for: name)
        let fd = try directory.open(temporary, [.writeOnly, .create, .exclusiveCreate, .noFollow, .closeOnExec],
                                    permissions: permissions)
        do throws(SystemCallError) {
            try fd.closeAfter { (fd) throws(SystemCallError) in
                for part in parts {
                    try part.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try fd.writeAll(buffer) } }.get()
                }
                try fd.sync()
            }
            let replaced = OpenOptions.pathOnly.isEmpty ? nil : try? directory.open(name, [.pathOnly, .noFollow, .closeOnExec])
            do throws(SystemCallError) { try directory.rename(temporary, to: name, in: directory) } catch {
                if let replaced { _ = Syscall.close(replaced.rawValue) }
                throw error
            }
            return PendingDirectorySync(directory: directory, replaced: replaced)
        } catch {
            try? directory.unlink(temporary)
            throw error
        }
    }

    static func temporaryName(for name: String) throws(SystemCallError) -> String {
        try temporaryName(for: PathBytes(name)).description
    }

    static func temporaryName(for name: PathBytes) throws(SystemCallError) -> PathBytes {
        var random = [UInt8](repeating: 0, count: 8)
        var filled = 0
        while filled < random.count {
            let n = random.withUnsafeMutableBytes { Syscall.getrandom(UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if n < 0 {
                let error = Errno.current
                if error == .interrupted { continue }
                throw SystemCallError("getrandom", errno: error)
            }
            filled += n
        }
        return PathBytes(bytes: Array(".".utf8) + name.bytes + Array(("." + Hex.lowercase(random) + temporarySuffix).utf8))
    }
}
