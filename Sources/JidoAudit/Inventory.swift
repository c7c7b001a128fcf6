import JidoCore

extension AuditRun {
    /// How many levels below the data directory the inventory records (the store itself uses two:
    /// `sessions/<id>.json`); a directory at this depth is recorded, its content is not.
    static let maxInventoryDepth = 16

    /// Records every entry under the data directory that the audit's own passes did not record
    /// (they recorded the store directories, the secret and the sessions they read, with hashes and
    /// verdicts): strays of any type and any name, `locks/` and its content, `settings.json`, the
    /// content of stray directories. For `Baseline`.
    ///
    /// Nothing is followed and nothing but regular files and directories is opened: each entry is
    /// looked at with `fstatat(AT_SYMLINK_NOFOLLOW)` relative to its directory's descriptor; a
    /// regular file is opened with O_NOFOLLOW|O_NONBLOCK, checked against the scan (device, inode,
    /// owner, group, mode, type, ctime, size) and hashed in chunks (memory does not grow with the
    /// file); a directory is opened with O_DIRECTORY|O_NOFOLLOW and checked the same way; a symbolic
    /// link's target is read with `readlinkat`, never followed; FIFOs, sockets and devices are only
    /// looked at. Names are handled as bytes (they need not be UTF-8).
    ///
    /// Bounded: the walk is iterative (no recursion), holds at most `maxInventoryDepth` directory
    /// descriptors, and records no more than `maxRecordedEntries` entries in all (the audit's own
    /// included); past either limit it reports `baseline-incomplete` and records nothing more there.
    mutating func recordInventory(dataFD: FileDescriptor) {
        var walk = InventoryWalk(recorded: Set(report.entries.map(\.nameBytes)), dataPath: dataPath,
                                 maxEntries: configuration.maxRecordedEntries)
        guard let root = walk.list(dataFD, owned: false, prefix: [], depth: 0, run: &self) else { return }
        walk.stack.append(root)
        var chunk = [UInt8](repeating: 0, count: InventoryWalk.chunkBytes)
        // It may have held key material (settings.json, a secret the audit could not read).
        defer { chunk.withUnsafeMutableBytes { SecureBytes.wipe($0) } }
        while let top = walk.stack.indices.last {
            guard walk.stack[top].next < walk.stack[top].names.count else {
                let done = walk.stack.removeLast()
                if done.owned { _ = try? done.fd.close() }
                continue
            }
            let name = walk.stack[top].names[walk.stack[top].next]
            walk.stack[top].next += 1
            let frame = walk.stack[top]
            recordEntry(name, in: frame, walk: &walk, chunk: &chunk)
        }
    }

    /// Records one entry of `frame`'s directory and, for a directory within the depth limit, pushes
    /// its listing on the walk's stack.
    private mutating func recordEntry(_ name: [UInt8], in frame: InventoryWalk.Frame, walk: inout InventoryWalk, chunk: inout [UInt8]) {
        let relative = frame.prefix + name
        let path = walk.path(relative)
        let status: FileStatus
        do { status = try frame.fd.status(of: PathBytes(bytes: name)) } catch {
            // Gone since the listing (a save's temporary file): nothing to record.
            if error.errno != .noSuchFileOrDirectory { report.add(Rules.baselineIncomplete, path, "cannot be examined: \(error)") }
            return
        }
        let alreadyRecorded = walk.recorded.contains(relative)
        switch status.type {
        case .regular:
            guard !alreadyRecorded else { return }
            let digest = hashRegularFile(name, in: frame.fd, scanned: status, path: path, chunk: &chunk)
            report.entries.append(EntryRecord(nameBytes: relative, status: status, sha256: digest, verdict: nil))
        case .symbolicLink:
            guard !alreadyRecorded else { return }
            var target: [UInt8]?
            do { target = try frame.fd.linkTarget(of: PathBytes(bytes: name)) } catch {
                if error.errno == .invalidArgument || error.errno == .noSuchFileOrDirectory {
                    report.add(Rules.changedDuringAudit, path, "replaced between the scan and reading the link (\(error.errno))")
                } else {
                    report.add(Rules.baselineIncomplete, path, "the link's target cannot be read: \(error)")
                }
            }
            report.entries.append(EntryRecord(nameBytes: relative, status: status, sha256: nil, verdict: nil, linkTarget: target))
        case .directory:
            if !alreadyRecorded { report.entries.append(EntryRecord(nameBytes: relative, status: status, sha256: nil, verdict: nil)) }
            let depth = frame.depth + 1
            guard depth < Self.maxInventoryDepth else {
                report.add(Rules.baselineIncomplete, path,
                           "more than \(Self.maxInventoryDepth) levels below the data directory; its entries are not recorded")
                return
            }
            guard let fd = openInventoryDirectory(name, in: frame.fd, scanned: status, path: path) else { return }
            if let child = walk.list(fd, owned: true, prefix: relative + [UInt8(ascii: "/")], depth: depth, run: &self) {
                walk.stack.append(child)
            } else {
                _ = try? fd.close()
            }
        case .fifo, .socket, .characterDevice, .blockDevice, .unknown:
            // Looked at, never opened: opening a FIFO blocks or signals a writer, a device acts.
            if !alreadyRecorded { report.entries.append(EntryRecord(nameBytes: relative, status: status, sha256: nil, verdict: nil)) }
        }
    }

    /// Opens the directory `name` without following it and checks it is the one scanned.
    private mutating func openInventoryDirectory(_ name: [UInt8], in parent: FileDescriptor, scanned: FileStatus,
                                                 path: PathBytes) -> FileDescriptor? {
        let fd: FileDescriptor
        do { fd = try parent.open(PathBytes(bytes: name), [.readOnly, .directory, .noFollow, .closeOnExec]) } catch {
            if error.errno == .tooManySymbolicLinks || error.errno == .noSuchFileOrDirectory || error.errno == .notDirectory {
                report.add(Rules.changedDuringAudit, path, "replaced between the scan and the open (\(error.errno)); not followed")
            } else {
                report.add(Rules.baselineIncomplete, path, "cannot be opened; its entries are not recorded: \(error)")
            }
            return nil
        }
        guard let opened = try? fd.status(), identityMatches(scanned, opened, path) else {
            _ = try? fd.close()
            return nil
        }
        return fd
    }

    /// The hex SHA-256 of the regular file `name`, read in chunks through a descriptor whose identity
    /// matches the scan and whose length must match `fstat`; nil (with a finding) otherwise.
    private mutating func hashRegularFile(_ name: [UInt8], in directory: FileDescriptor, scanned: FileStatus, path: PathBytes,
                                          chunk: inout [UInt8]) -> String? {
        let fd: FileDescriptor
        do { fd = try directory.open(PathBytes(bytes: name), .hardenedRead) } catch {
            if error.errno == .tooManySymbolicLinks || error.errno == .noSuchFileOrDirectory {
                report.add(Rules.changedDuringAudit, path, "replaced between the scan and the open (\(error.errno)); not followed")
            } else {
                report.add(Rules.baselineIncomplete, path, "cannot be opened; its content is not recorded: \(error)")
            }
            return nil
        }
        return fd.closeAfter { (fd) -> String? in
            guard let opened = try? fd.status(), identityMatches(scanned, opened, path) else { return nil }
            var digest: [UInt8]
            var total = 0
            do {
                var context = try SHA256.Context()
                // Up to one chunk past the announced size is read, to see a file that grew.
                while total <= Int(opened.size) {
                    let count = try chunk.withUnsafeMutableBytes { (buffer) throws(SystemCallError) in try fd.read(into: buffer) }
                    if count == 0 { break } // end of file
                    try chunk.withUnsafeBytes { try context.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
                    total += count
                }
                digest = try context.finalize()
            } catch {
                report.add(Rules.baselineIncomplete, path, "cannot be read; its content is not recorded: \(error)")
                return nil
            }
            guard total == Int(opened.size) else {
                report.add(Rules.changedDuringAudit, path, "its size changed while it was read")
                return nil
            }
            report.bytesRead += total
            return Hex.lowercase(digest)
        }
    }
}

/// The state of one inventory walk: a stack of open directories and their listings.
struct InventoryWalk {
    /// The bytes a regular file is hashed by at a time.
    static let chunkBytes = 1 << 16

    struct Frame {
        let fd: FileDescriptor
        /// Whether the walk opened `fd` (and closes it); the data directory's belongs to the audit.
        let owned: Bool
        /// The directory's path relative to the data directory, with a trailing `/` (empty for the
        /// data directory itself).
        let prefix: [UInt8]
        let depth: Int
        /// The entries' names, in byte order; `next` is the first not yet recorded.
        let names: [[UInt8]]
        var next = 0
    }

    /// Names recorded by the audit's own passes (never recorded twice).
    let recorded: Set<[UInt8]>
    let dataPath: PathBytes
    /// The most entries recorded, the data directory included.
    let maxEntries: Int
    var stack: [Frame] = []
    /// Names listed that the audit had not recorded: those the walk recorded and those still on
    /// the stack (so the names held in memory are bounded too). With the audit's own records, never
    /// more than `maxEntries`.
    var listedNew = 0
    /// Set once the entry limit was reached (reported once, then nothing more is listed).
    var full = false

    init(recorded: Set<[UInt8]>, dataPath: PathBytes, maxEntries: Int) {
        self.recorded = recorded
        self.dataPath = dataPath
        self.maxEntries = maxEntries
    }

    func path(_ relative: [UInt8]) -> PathBytes { dataPath.appending(PathBytes(bytes: relative)) }

    /// Lists the directory `fd` within what is left of the entry limit (names the audit recorded
    /// are kept, they take no more room); nil when nothing can be listed (the limit was reached, or
    /// the listing failed: reported).
    mutating func list(_ fd: FileDescriptor, owned: Bool, prefix: [UInt8], depth: Int, run: inout AuditRun) -> Frame? {
        guard !full else { return nil }
        let directoryPath = prefix.isEmpty ? dataPath : path(Array(prefix.dropLast()))
        let room = max(maxEntries - recorded.count - listedNew, 0)
        let listing: (entries: [DirectoryEntry], truncated: Bool)
        do { listing = try fd.entries(limit: room + recorded.count) } catch {
            run.report.add(Rules.baselineIncomplete, directoryPath, "cannot be listed; its entries are not recorded: \(error)")
            return nil
        }
        var names: [[UInt8]] = []
        var added = 0
        var dropped = listing.truncated
        for name in listing.entries.map(\.nameBytes).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            if recorded.contains(prefix + name) {
                names.append(name)
            } else if added < room {
                names.append(name)
                added += 1
            } else {
                dropped = true
            }
        }
        listedNew += added
        if dropped {
            full = true
            run.report.add(Rules.baselineIncomplete, directoryPath,
                           "the data directory holds more than the \(maxEntries) entries a baseline records; the rest are not recorded")
        }
        return Frame(fd: fd, owned: owned, prefix: prefix, depth: depth, names: names)
    }
}
