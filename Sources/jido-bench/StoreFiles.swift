import JidoCore

/// The benchmark's file operations, all through JidoCore's FileSystem layer (no libc file call here):
/// exact modes whatever the umask, new files never replace or follow anything.
enum StoreFiles {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ error: SystemCallError) { description = error.description }
        init(_ error: FileReadError, path: String) { description = "\(path): \(error)" }
        init(description: String) { self.description = description }
    }

    /// The largest file the benchmarks read back.
    static let maxReadBytes = 1 << 30

    /// Creates `path` with mode 0700; an existing directory is accepted only when `mayExist`.
    static func makeDirectory(_ path: String, mayExist: Bool) throws(Failure) {
        do throws(SystemCallError) {
            try FileDescriptor.currentWorkingDirectory.makeDirectory(path, permissions: .ownerAll)
            let fd = try FileDescriptor.open(path, [.readOnly, .directory, .noFollow, .closeOnExec])
            try fd.closeAfter { (fd) throws(SystemCallError) in try fd.setPermissions(.ownerAll) }
        } catch where error.errno == .fileExists {
            guard mayExist else {
                throw Failure(description: "\(path) already exists; generate only writes a fresh store. Remove it or choose another --dir.")
            }
            do throws(SystemCallError) {
                try FileDescriptor.open(path, [.readOnly, .directory, .closeOnExec]).close()
            } catch {
                throw Failure(error)
            }
        } catch {
            throw Failure(error)
        }
    }

    /// Creates `path` and any missing parent (mode 0700 for the new ones), like `mkdir -p`.
    static func makeDirectories(_ path: String) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            try makeDirectory(prefix, mayExist: true)
        }
    }

    /// Writes `bytes` to a file that must not exist yet, mode 0600.
    static func writeNewFile(_ path: String, _ bytes: [UInt8]) throws(Failure) {
        do throws(SystemCallError) {
            let fd = try FileDescriptor.open(path, [.writeOnly, .create, .exclusiveCreate, .noFollow, .closeOnExec],
                                             permissions: .ownerReadWrite)
            try fd.closeAfter { (fd) throws(SystemCallError) in
                try fd.setPermissions(.ownerReadWrite)
                try fd.writeAll(bytes)
            }
        } catch {
            throw Failure(error)
        }
    }

    /// The whole content of the regular file `path` (never through a symlink at its last component).
    static func read(_ path: String) throws(Failure) -> [UInt8] {
        do throws(FileReadError) {
            return try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: maxReadBytes)).bytes
        } catch {
            throw Failure(error, path: path)
        }
    }

    /// The size of `path` (not followed), or nil when it cannot be examined.
    static func size(_ path: String) -> Int? {
        (try? FileDescriptor.currentWorkingDirectory.status(of: path)).map { Int($0.size) }
    }

    /// The names in `directory` that are valid UTF-8, sorted.
    static func names(in directory: String) throws(Failure) -> [String] {
        do throws(SystemCallError) {
            let fd = try FileDescriptor.open(directory, [.readOnly, .directory, .closeOnExec])
            return try fd.closeAfter { (fd) throws(SystemCallError) in try fd.entries().entries.compactMap(\.name).sorted() }
        } catch {
            throw Failure(error)
        }
    }

    /// A store's machine secret and its `sessions/*.json` files (names sorted, bytes in the same
    /// order), read for a benchmark; at least one file.
    struct LoadedStore {
        let secret: [UInt8]
        let sessionsDirectory: String
        let names: [String]
        let files: [[UInt8]]
    }

    static func loadStore(home: String) throws(Failure) -> LoadedStore {
        let sessionsDirectory = StoreLayout.sessionsPath(home: home)
        let secret = try read(StoreLayout.secretPath(home: home))
        let names: [String]
        do { names = try self.names(in: sessionsDirectory).filter { $0.hasSuffix(".json") } } catch {
            throw Failure(description: "cannot list \(sessionsDirectory): \(error)")
        }
        guard !names.isEmpty else { throw Failure(description: "no *.json files in \(sessionsDirectory)") }
        var files: [[UInt8]] = []
        files.reserveCapacity(names.count)
        for name in names { files.append(try read(sessionsDirectory + "/" + name)) }
        return LoadedStore(secret: secret, sessionsDirectory: sessionsDirectory, names: names, files: files)
    }
}
