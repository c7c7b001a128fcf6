/// The per-machine secret JidoCode keeps in `<home>/.jido_code/machine_secret`.
///
/// Read only through a descriptor that was checked before a byte was read: opened with O_NOFOLLOW
/// and O_NONBLOCK, then `fstat` must show a regular file with one link, owned by the effective user,
/// with no group or other permission bits, between 32 bytes and 4 KiB; a read that disagrees with
/// `fstat` is refused. The exact bytes are used (JidoCode does not trim them). There is no fallback:
/// every problem is a `MachineSecretError` naming the fix, never a weaker key and never a silently
/// regenerated secret.
public struct MachineSecret: Sendable {
    /// The file's exact bytes (`package`: for `SecretFingerprint`; never printed).
    package let bytes: SecureBytes

    /// Fewer bytes than this is refused: the key would carry less than 256 bits.
    public static let minimumBytes = 32
    /// A larger file is not a secret JidoCode wrote; it is refused before it is read.
    public static let maximumBytes = 4096

    init(bytes: SecureBytes) { self.bytes = bytes }

    /// The secret's length in bytes.
    public var byteCount: Int { bytes.count }

    /// True when the secret has the form JidoCode writes: 64 lower-case hexadecimal characters.
    public var isStandardForm: Bool {
        bytes.withUnsafeBytes { raw in
            raw.count == 64 && raw.allSatisfy(Hex.isLowercaseDigit)
        }
    }

    /// The signing key for this secret and `hostname`, derived once per process and cached.
    public func sessionKey(hostname: String) throws(CryptoError) -> SessionKey {
        // In place: the secret is never copied out of its wiped storage (`SecureBytes`).
        try CryptoError.typed { try bytes.withUnsafeBytes { raw in try SessionKeyCache.shared.key(machineSecret: raw, hostname: hostname) } }
    }

    /// The secret's `SecretFingerprint`: safe to print or compare (the secret itself never leaves memory).
    public func fingerprint() throws(CryptoError) -> String {
        try CryptoError.typed { try SecretFingerprint.of(secret: self) }
    }

    // MARK: - Reading

    /// Reads the secret of the data directory under `home` (`<home>/.jido_code/machine_secret`).
    public static func load(home: String) throws(MachineSecretError) -> MachineSecret {
        try load(home: PathBytes(home))
    }

    /// `load(home:)` for a home of any bytes.
    public static func load(home: PathBytes) throws(MachineSecretError) -> MachineSecret {
        let directory = try openDataDirectory(home: home, create: false)
        return try directory.closeAfter { (fd) throws(MachineSecretError) in
            try load(name: PathBytes(StoreLayout.secretFile), in: fd, displayPath: StoreLayout.dataPath(home: home).appending(StoreLayout.secretFile))
        }
    }

    /// Reads a secret from an explicit file path (for a store copied from another machine).
    /// The last component must not be a symlink; the same checks apply as for the default location.
    public static func load(file path: String) throws(MachineSecretError) -> MachineSecret {
        try load(file: PathBytes(path))
    }

    /// `load(file:)` for a path of any bytes.
    public static func load(file path: PathBytes) throws(MachineSecretError) -> MachineSecret {
        let (parent, name) = path.split
        let directory: FileDescriptor
        do throws(SystemCallError) {
            directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw MachineSecretError(error.errno == .noSuchFileOrDirectory ? .missing : .unreadable(error), path: path, namedByUser: true)
        }
        do throws(MachineSecretError) {
            return try directory.closeAfter { (fd) throws(MachineSecretError) in try load(name: name, in: fd, displayPath: path) }
        } catch {
            throw MachineSecretError(error.problem, path: error.pathBytes, namedByUser: true)
        }
    }

    /// The rules a secret file must meet before it is read.
    static var policy: FilePolicy { FilePolicy(maxBytes: maximumBytes, role: .secret) }

    /// Reads and checks `name` inside the open directory `directory`.
    package static func load(name: PathBytes, in directory: FileDescriptor, displayPath: PathBytes) throws(MachineSecretError) -> MachineSecret {
        var read: (bytes: [UInt8], status: FileStatus)
        do {
            read = try CheckedFileReader.read(name, in: directory, policy: policy)
        } catch {
            let problem: MachineSecretError.Problem
            switch error {
            case .notFound: problem = .missing
            case .symbolicLink: problem = .symbolicLink
            case let .untrusted(violation): problem = MachineSecretError.Problem(violation, in: .secret)
            case let .tooLarge(size, _): problem = .tooLarge(size)
            case .changedWhileReading: problem = .changedWhileReading
            case let .system(error): problem = .unreadable(error)
            }
            throw MachineSecretError(problem, path: displayPath)
        }
        defer { read.bytes.withUnsafeMutableBytes { SecureBytes.wipe($0) } }
        guard read.bytes.count >= minimumBytes else { throw MachineSecretError(.tooShort(Int64(read.bytes.count)), path: displayPath) }
        return MachineSecret(bytes: SecureBytes(copying: read.bytes))
    }

    // MARK: - Creating

    /// Reads the secret, or creates it when (and only when) it does not exist.
    ///
    /// Creation is race-free and atomic: the data directory is created 0700; 32 random bytes are
    /// written as 64 lower-case hex characters to a uniquely named file created with
    /// O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and mode 0600 (no chmod afterwards), fsynced, then
    /// renamed to `machine_secret` with RENAME_NOREPLACE, which fails rather than replace an existing
    /// file, and the directory is fsynced. A reader therefore never sees a partial secret, nor one with
    /// two links; when several processes create at once, one rename wins and every process reads and
    /// uses the winner's secret.
    /// An existing secret that fails a check is an error, never replaced.
    public static func loadOrCreate(home: String) throws(MachineSecretError) -> MachineSecret {
        let displayPath = PathBytes(StoreLayout.secretPath(home: home))
        let directory = try openDataDirectory(home: PathBytes(home), create: true)
        return try directory.closeAfter { (dir) throws(MachineSecretError) in
            do throws(MachineSecretError) {
                return try load(name: PathBytes(StoreLayout.secretFile), in: dir, displayPath: displayPath)
            } catch where error.problem == .missing {
                try create(in: dir, displayPath: displayPath)
                return try load(name: PathBytes(StoreLayout.secretFile), in: dir, displayPath: displayPath)
            }
        }
    }

    private static func create(in dir: FileDescriptor, displayPath: PathBytes) throws(MachineSecretError) {
        try create(named: StoreLayout.secretFile, in: dir, displayPath: displayPath)
    }

    /// Creates a new secret as `name` in `dir` exactly as `loadOrCreate` creates `machine_secret` (32
    /// random bytes as 64 lower-case hex characters, a 0600 temporary created exclusively, fsynced,
    /// renamed to `name` without replacing, the directory fsynced). An existing `name` is never
    /// replaced (the rename fails; the caller then reads the file that is there).
    package static func create(named name: String, in dir: FileDescriptor, displayPath: PathBytes) throws(MachineSecretError) {
        var random: [UInt8]
        do { random = try SecureRandom.bytes(count: 32) } catch { throw MachineSecretError(.randomUnavailable, path: displayPath) }
        var hex = Hex.lowercaseASCII(random)
        defer {
            random.withUnsafeMutableBytes { SecureBytes.wipe($0) }
            hex.withUnsafeMutableBytes { SecureBytes.wipe($0) }
        }
        let temporary: String
        do { temporary = try AtomicFileWriter.temporaryName(for: name) } catch {
            throw MachineSecretError(.creationFailed(error), path: displayPath)
        }
        do throws(SystemCallError) {
            let fd = try dir.open(temporary, [.writeOnly, .create, .exclusiveCreate, .noFollow, .closeOnExec],
                                  permissions: .ownerReadWrite)
            var publication: Publication?
            do throws(SystemCallError) {
                try fd.closeAfter { (fd) throws(SystemCallError) in
                    try fd.writeAll(hex)
                    try fd.sync()
                }
                publication = try publish(temporary, as: name, in: dir)
            } catch where error.errno == .fileExists {
                // Another process published its secret first; the caller reads the winner's.
            } catch {
                try? dir.unlink(temporary)
                throw error
            }
            if publication != .renamed { try? dir.unlink(temporary) }
            if publication != nil { try dir.sync() }
        } catch {
            throw MachineSecretError(.creationFailed(error), path: displayPath)
        }
    }

    /// How `publish` named the secret: renamed (the temporary name is gone) or linked (it remains).
    private enum Publication { case renamed, linked }

    /// Gives the finished temporary its final name without ever replacing one: `renameat2` with
    /// RENAME_NOREPLACE, so a racing reader never meets the secret with two links (it refuses that, as
    /// it must: another name could reach the secret). Only where the file system lacks the flag does
    /// it fall back to `link` (the caller then unlinks the temporary), whose moment of two links a
    /// racing reader may meet and report.
    private static func publish(_ temporary: String, as name: String, in dir: FileDescriptor) throws(SystemCallError) -> Publication {
        do {
            try dir.renameWithoutReplacing(temporary, to: name, in: dir)
            return .renamed
        } catch where [.invalidArgument, .notImplemented, .notSupported].contains(error.errno) {
            try dir.link(temporary, to: name, in: dir)
            return .linked
        }
    }

    // MARK: - Helpers

    /// Opens `<home>/.jido_code` as a directory without following a symlink at `.jido_code`;
    /// with `create`, makes it first (mode 0700). Reading needs only a directory of the effective
    /// user's (a substituted secret fails the secret's own checks); creating a secret also needs one
    /// that group and others cannot write (`TrustRole.privateDirectory`), or they could replace or
    /// remove it.
    package static func openDataDirectory(home: PathBytes, create: Bool) throws(MachineSecretError) -> FileDescriptor {
        let dataPath = StoreLayout.dataPath(home: home)
        let homeFD: FileDescriptor
        do throws(SystemCallError) {
            homeFD = try FileDescriptor.open(home, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw MachineSecretError(error.errno == .noSuchFileOrDirectory ? .missing : .unreadable(error), path: home)
        }
        return try homeFD.closeAfter { (homeFD) throws(MachineSecretError) in
            let opened: (descriptor: FileDescriptor, violations: [TrustViolation])
            do throws(DirectoryOpenError) {
                opened = try homeFD.openDirectory(StoreLayout.dataDirectory, creating: create, as: .privateDirectory)
            } catch {
                switch error {
                case let .creationFailed(error): throw MachineSecretError(.creationFailed(error), path: dataPath)
                case let .untrusted(violation): throw MachineSecretError(.init(violation, in: .privateDirectory), path: dataPath)
                case let .system(error) where error.errno == .noSuchFileOrDirectory: throw MachineSecretError(.missing, path: dataPath)
                case let .system(error): throw MachineSecretError(.unreadable(error), path: dataPath)
                }
            }
            let refused = FileTrust(.privateDirectory).refusal(among: opened.violations.filter { violation in
                if case .wrongOwner = violation { return true }
                return create
            })
            if let refused {
                _ = try? opened.descriptor.close()
                throw MachineSecretError(.init(refused, in: .privateDirectory), path: dataPath)
            }
            return opened.descriptor
        }
    }
}

/// A machine secret that cannot be used, with the file it concerns and what to do about it.
///
/// The secret's own error rather than cases of `StoreError`: `MachineSecret` is used without a store
/// (verification, the audit), and its errors carry what the store's do not (the path, whether the user
/// named the file). `SessionStore.open` wraps it whole in `StoreError.secret`.
public struct MachineSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case missing
        case symbolicLink
        case notRegularFile(FileType)
        case notADirectory(FileType)
        case wrongOwner(owner: UInt32, expected: UInt32)
        case insecurePermissions(FilePermissions)
        case insecureDirectory(FilePermissions)
        case multipleLinks(UInt64)
        case tooShort(Int64)
        case tooLarge(Int64)
        case changedWhileReading
        case unreadable(SystemCallError)
        case creationFailed(SystemCallError)
        case randomUnavailable

        /// The one mapping from a trust violation (of the secret or of its directory) to a problem.
        init(_ violation: TrustViolation, in role: TrustRole) {
            let directory = role.requiredType == .directory
            switch violation {
            case let .wrongType(type) where directory: self = .notADirectory(type)
            case .wrongType(.symbolicLink): self = .symbolicLink
            case let .wrongType(type): self = .notRegularFile(type)
            case let .wrongOwner(owner, expected): self = .wrongOwner(owner: owner, expected: expected)
            case let .hardLinked(count): self = .multipleLinks(count)
            case let .writableByOthers(mode), let .readableByOthers(mode):
                self = directory ? .insecureDirectory(mode) : .insecurePermissions(mode)
            }
        }
    }

    public let problem: Problem
    /// The file or directory concerned, as bytes (a name need not be UTF-8).
    public let pathBytes: PathBytes
    /// True for a file the user named (`--secret-file`), outside the store: the advice never says to
    /// remove or recreate it, or to pass the option that was passed.
    public let namedByUser: Bool

    public init(_ problem: Problem, path: PathBytes, namedByUser: Bool = false) {
        self.problem = problem
        self.pathBytes = path
        self.namedByUser = namedByUser
    }

    public init(_ problem: Problem, path: String, namedByUser: Bool = false) {
        self.init(problem, path: PathBytes(path), namedByUser: namedByUser)
    }

    /// The path as text (invalid UTF-8 as U+FFFD; `pathBytes` holds the exact bytes).
    public var path: String { pathBytes.description }

    /// What is wrong and how to fix it, in one or two sentences.
    public var description: String { description(path: path) }

    /// What is wrong and what to do, without the path (a path can name a user).
    public var userMessage: String {
        switch problem {
        case .missing: return "There is no machine secret; JidoCode creates one on first start."
        case .randomUnavailable: return "No secure random bytes are available to create the machine secret; nothing was written."
        case .creationFailed: return "The machine secret could not be created; nothing was written in its place. See the log for the cause."
        case .unreadable: return "The machine secret cannot be read. See the log for the cause."
        case .changedWhileReading: return "The machine secret changed while it was read; run again."
        default: return "The machine secret is not safe to use, so nothing is signed or trusted with it. Run jido-audit for the fix."
        }
    }

    /// Full detail for logs: the path and the fix (`description`).
    public var logDescription: String { description }

    /// `description` with `path` written as given: a caller that prints the path its own way (escaped,
    /// reversibly) passes a placeholder and substitutes it.
    public func description(path: String) -> String {
        if namedByUser, let text = namedFileDescription(path: path) { return text }
        switch problem {
        case .missing:
            return "\(path) does not exist. JidoCode creates it on first start; to check a copied store, pass --secret-file and --hostname."
        case .symbolicLink:
            return "\(path) is a symbolic link; it is never followed. Replace the link with the real file (mode 0600, owned by you)."
        case let .notRegularFile(type):
            return "\(path) is a \(type.rawValue), not a regular file. Remove it; JidoCode recreates the secret (existing sessions will then fail verification)."
        case let .notADirectory(type):
            return "\(path) is a \(type.rawValue), not a directory. Move it aside; JidoCode's data directory must be a real directory (mode 0700)."
        case let .wrongOwner(owner, expected):
            return "\(path) belongs to uid \(owner), not to you (uid \(expected)); someone else may control it. Remove it after checking who created it."
        case let .insecurePermissions(mode):
            return "\(path) has mode \(mode): group or others can access it, and anyone who read it can forge sessions. Run `chmod 600 \(path)`, and replace the secret if other users may have read it."
        case let .insecureDirectory(mode):
            return "\(path) has mode \(mode): other users can replace or remove files in it, so no secret is created there. Run `chmod 700 \(path)`."
        case let .multipleLinks(count):
            return "\(path) has \(count) hard links; another name can reach the secret. Remove the other links (`find / -samefile \(path)`)."
        case let .tooShort(size):
            return "\(path) holds \(size) bytes; at least \(MachineSecret.minimumBytes) are required. Replace it with 64 random hex characters (existing sessions will then fail verification)."
        case let .tooLarge(size):
            return "\(path) holds \(size) bytes, more than the \(MachineSecret.maximumBytes) a secret may have; it is not a file JidoCode wrote. Inspect and replace it."
        case .changedWhileReading:
            return "\(path) changed while it was read; run again, and find out what is writing to it."
        case let .unreadable(error):
            return "\(path) cannot be read: \(error). Check that it is yours and that you can read its directory."
        case let .creationFailed(error):
            return "creating \(path) failed: \(error). Nothing was written in its place; fix the cause and run again."
        case .randomUnavailable:
            return "no secure random bytes are available to create \(path); nothing was written."
        }
    }

    /// The advice for a file given with `--secret-file`, where it differs from the store's.
    private func namedFileDescription(path: String) -> String? {
        switch problem {
        case .missing:
            return "\(path) (given with --secret-file) does not exist; check the path."
        case let .notRegularFile(type):
            return "\(path) (given with --secret-file) is a \(type.rawValue), not a regular file; give the secret file itself."
        case let .wrongOwner(owner, expected):
            return "\(path) (given with --secret-file) belongs to uid \(owner), not to you (uid \(expected)), so it is not trusted. "
                + "If you know where it came from, copy it to a file of yours with mode 0600 and pass that."
        case let .tooShort(size):
            return "\(path) (given with --secret-file) holds \(size) bytes, fewer than the \(MachineSecret.minimumBytes) of a JidoCode secret; it is not one."
        case let .tooLarge(size):
            return "\(path) (given with --secret-file) holds \(size) bytes, more than the \(MachineSecret.maximumBytes) a secret may have; it is not one."
        default:
            return nil
        }
    }
}
