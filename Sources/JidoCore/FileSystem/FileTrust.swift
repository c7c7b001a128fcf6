/// What a file or directory is trusted for. Each role is one rule, stated in `FileTrust` and nowhere
/// else; the store refuses on a role's first violation, the audit reports every one.
package enum TrustRole: String, Sendable, Hashable, CaseIterable {
    /// Key material (`machine_secret`, an audit baseline): a regular file of the user's, one link, no
    /// permission at all for group or others.
    case secret
    /// A session file: a regular file of the user's, one link, not writable by group or others. Read
    /// permission for them is tolerated (JidoCode writes 0644) and reported as the weaker
    /// `readableByOthers`.
    case sessionFile
    /// A store directory (`.jido_code`, `sessions`, `locks`): a directory of the user's, not writable
    /// by group or others. Any other permission for them is tolerated and reported as the weaker
    /// `readableByOthers` (they can list it).
    case privateDirectory
    /// A directory the user works in and the store hangs from (their home, a project): a directory
    /// owned by the user or root, not writable by group or others (OpenSSH StrictModes).
    case workingDirectory
    /// A directory above home: owned by the user or root, not writable by group or others unless
    /// the sticky bit is set (others then cannot rename or remove what is not theirs).
    case ancestor
    /// A file that configures a security control (the audit's suppressions file): a regular file
    /// owned by the user or root, one link, not writable by group or others (who could otherwise
    /// hide findings). Anyone may read it.
    case configuration

    /// The type of file the role requires.
    public var requiredType: FileType {
        switch self {
        case .secret, .sessionFile, .configuration: .regular
        case .privateDirectory, .workingDirectory, .ancestor: .directory
        }
    }

    /// Whether a violation is only reported (the audit warns) rather than refused: group or other read
    /// permission on a session file or a store directory. Every other violation is refused.
    public func tolerates(_ violation: TrustViolation) -> Bool {
        guard case .readableByOthers = violation else { return false }
        return self == .sessionFile || self == .privateDirectory
    }

    /// Whether root may own it as well as the user.
    var acceptsRootOwner: Bool { self == .workingDirectory || self == .ancestor || self == .configuration }

    /// Group/other bits besides write that the role reports as `readableByOthers`.
    var readPermissions: FilePermissions {
        switch self {
        case .sessionFile: [.groupRead, .otherRead]
        case .secret, .privateDirectory: FilePermissions.groupAndOther.subtracting(FilePermissions.groupAndOtherWrite)
        case .workingDirectory, .ancestor, .configuration: []
        }
    }
}

/// One way a file's status breaks its role's rule.
public enum TrustViolation: Sendable, Hashable, CustomStringConvertible {
    /// Not the file type the role requires (a symbolic link is never followed: it is `.symbolicLink`).
    case wrongType(FileType)
    /// Owned by `owner`; the role requires `expected` (the effective user; or root, for the roles that allow it).
    case wrongOwner(owner: UInt32, expected: UInt32)
    /// A regular file with more than one link: another name reaches it.
    case hardLinked(UInt64)
    /// Group or others can write to it (the mode is the whole mode).
    case writableByOthers(FilePermissions)
    /// Group or others can read it (a secret: have any permission but write). Weaker than
    /// `writableByOthers`, which it is never reported with.
    case readableByOthers(FilePermissions)

    public var description: String {
        switch self {
        case let .wrongType(type): "a \(type.rawValue)"
        case let .wrongOwner(owner, expected): "owned by uid \(owner), not uid \(expected)"
        case let .hardLinked(count): "\(count) hard links"
        case let .writableByOthers(mode): "mode \(mode): group or others can write"
        case let .readableByOthers(mode): "mode \(mode): group or others can read"
        }
    }
}

/// The file-trust rule, evaluated on a status the caller took from a descriptor (`fstat`) or without
/// following a link (`fstatat(AT_SYMLINK_NOFOLLOW)`), as OpenSSH's `safe_path` states it in one place.
///
/// A status of the wrong type has that one violation: its owner, links and mode mean something else
/// (a symbolic link's mode is always 0777). Otherwise every violation is returned, in this order:
/// owner, links (regular files only), then write or else read permission for group and others.
package struct FileTrust: Sendable, Hashable {
    public let role: TrustRole
    /// The user the file must belong to.
    public let user: UInt32

    public init(_ role: TrustRole, user: UInt32 = ProcessIdentity.effectiveUser) {
        self.role = role
        self.user = user
    }

    /// Every violation of the role's rule (empty when the file can be trusted).
    public func violations(of status: FileStatus) -> [TrustViolation] {
        guard status.type == role.requiredType else { return [.wrongType(status.type)] }
        var found: [TrustViolation] = []
        if status.owner != user && !(role.acceptsRootOwner && status.owner == 0) {
            found.append(.wrongOwner(owner: status.owner, expected: user))
        }
        if status.type == .regular && status.linkCount > 1 {
            found.append(.hardLinked(status.linkCount))
        }
        let mode = status.permissions
        let stickyExempt = role == .ancestor && mode.contains(.sticky)
        if !mode.isDisjoint(with: .groupAndOtherWrite) && !stickyExempt {
            found.append(.writableByOthers(mode))
        } else if !mode.isDisjoint(with: role.readPermissions) {
            found.append(.readableByOthers(mode))
        }
        return found
    }

    /// The first violation the role does not tolerate: what the store refuses on (nil when trusted).
    public func refusal(of status: FileStatus) -> TrustViolation? {
        refusal(among: violations(of: status))
    }

    /// The first of `violations` the role does not tolerate.
    public func refusal(among violations: [TrustViolation]) -> TrustViolation? {
        violations.first { !role.tolerates($0) }
    }

    /// OpenSSH `safe_path`'s walk: `path` resolved with `realpath`, then every directory above it up
    /// to `/`, nearest first, each with its status taken without following a link (`lstat`); a
    /// directory that cannot be examined is left out. Evaluate them as `.ancestor`.
    public static func directories(above path: PathBytes) throws(SystemCallError) -> [(path: PathBytes, status: FileStatus)] {
        var current = try FileDescriptor.resolvedPath(path)
        var found: [(path: PathBytes, status: FileStatus)] = []
        while current != "/" {
            current = current.split.parent
            if let status = try? FileDescriptor.currentWorkingDirectory.status(of: current) {
                found.append((current, status))
            }
        }
        return found
    }

    /// `directories(above:)` for a UTF-8 path, with the paths as text (`PathBytes.description`).
    public static func directories(above path: String) throws(SystemCallError) -> [(path: String, status: FileStatus)] {
        try directories(above: PathBytes(path)).map { ($0.path.description, $0.status) }
    }
}

/// Why a directory could not be opened (`FileDescriptor.openDirectory`).
package enum DirectoryOpenError: Error, Sendable, Equatable {
    /// Creating it failed (`mkdirat`, or the `fsync` of its parent after it).
    case creationFailed(SystemCallError)
    /// It is not a directory (`wrongType`; a symbolic link is never followed), or it broke its role's rule.
    case untrusted(TrustViolation)
    /// `openat` or `fstat` failed (ENOENT: it does not exist).
    case system(SystemCallError)
}

extension FileDescriptor {
    /// `path` with every symbolic link, `.` and `..` resolved. The corresponding C function is `realpath`.
    public static func resolvedPath(_ path: PathBytes) throws(SystemCallError) -> PathBytes {
        guard let resolved = try path.withCString("realpath", { Syscall.realpath($0) }) else {
            throw SystemCallError("realpath", path: path, errno: .current)
        }
        return resolved
    }

    /// `resolvedPath` for a UTF-8 path, as text (`PathBytes.description`).
    public static func resolvedPath(_ path: String) throws(SystemCallError) -> String {
        try resolvedPath(PathBytes(path)).description
    }

    /// Opens directory `name` in this directory without following a symbolic link
    /// (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC) and evaluates it in `role`, refusing nothing: the caller
    /// decides. With `creating`, first makes it 0700 (an existing one is fine) and fsyncs this
    /// directory. When `name` is not a directory, its own type (`fstatat`, not followed) is the
    /// `wrongType` violation.
    public func openDirectory(_ name: String, creating: Bool = false,
                              as role: TrustRole) throws(DirectoryOpenError) -> (descriptor: FileDescriptor, violations: [TrustViolation]) {
        if creating {
            do throws(SystemCallError) {
                try makeDirectory(name, permissions: .ownerAll)
                try sync()
            } catch where error.errno == .fileExists {
            } catch {
                throw .creationFailed(error)
            }
        }
        let fd: FileDescriptor
        do {
            fd = try open(name, [.readOnly, .directory, .noFollow, .closeOnExec])
        } catch {
            // O_DIRECTORY|O_NOFOLLOW gives ENOTDIR (or ELOOP) for a symlink: look at what is there.
            guard error.errno == .notDirectory || error.errno == .tooManySymbolicLinks else { throw .system(error) }
            throw .untrusted(.wrongType((try? status(of: name))?.type ?? .unknown))
        }
        do {
            return (fd, FileTrust(role).violations(of: try fd.status()))
        } catch {
            _ = try? fd.close()
            throw .system(error)
        }
    }

    /// `openDirectory`, refusing (and closing) on the first violation `role` does not tolerate.
    public func openTrustedDirectory(_ name: String, creating: Bool = false, as role: TrustRole) throws(DirectoryOpenError) -> FileDescriptor {
        let (fd, violations) = try openDirectory(name, creating: creating, as: role)
        if let refusal = FileTrust(role).refusal(among: violations) {
            _ = try? fd.close()
            throw .untrusted(refusal)
        }
        return fd
    }
}
