/// A project directory held open by descriptor, with the identity it had when it was opened.
///
/// JidoCode resumes a session by its `project_path`, checking the path and later using it again: a
/// rename or symlink swap in between redirects it. Here the directory is opened once; work relative
/// to `descriptor` cannot be redirected, and `revalidate()` tells whether the path still names the
/// same directory (device, inode, owner, group, mode).
public final class ProjectDirectory: Sendable {
    public let path: String
    /// Owned by this object and closed in `deinit`: never handed out (`withUnsafeFileDescriptor` lends it).
    let descriptor: FileDescriptor
    package let identity: FileIdentity

    /// Why a project directory cannot be used.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound
        case notADirectory
        case notOwned(owner: UInt32)
        case writableByOthers(FilePermissions)
        case changed([String])
        case system(SystemCallError)

        /// What is wrong and what to do, without the path.
        public var userMessage: String {
            switch self {
            case .notFound: return "The project directory does not exist."
            case .notADirectory: return "The project path is not a directory (or is a symbolic link); it was not used."
            case .notOwned: return "The project directory belongs to another user; it was not used."
            case .writableByOthers: return "Other users can write to the project directory; remove their write permission (chmod go-w)."
            case .changed: return "The project path now names another directory; it was not used. Open the project again."
            case .system: return "The project directory cannot be opened; see the log for the cause."
            }
        }

        /// Full detail for logs.
        public var logDescription: String {
            switch self {
            case .notFound: return "project directory not found"
            case .notADirectory: return "project path is not a directory"
            case let .notOwned(owner): return "project directory belongs to uid \(owner)"
            case let .writableByOthers(mode): return "project directory mode \(mode) is writable by group or others"
            case let .changed(attributes): return "project path names another directory (changed: \(attributes.joined(separator: ", ")))"
            case let .system(error): return "project directory: \(error)"
            }
        }

        public var description: String { logDescription }

        /// The one mapping from a trust violation of a working directory to a problem. (The role has
        /// no read rule, and only regular files, never directories, are `hardLinked`.)
        init(_ violation: TrustViolation) {
            switch violation {
            case .wrongType, .hardLinked: self = .notADirectory
            case let .wrongOwner(owner, _): self = .notOwned(owner: owner)
            case let .writableByOthers(mode), let .readableByOthers(mode): self = .writableByOthers(mode)
            }
        }
    }

    /// Opens `path` as a directory; it must meet `TrustRole.workingDirectory` (belong to the effective
    /// user or root, not be writable by group or others: OpenSSH's StrictModes rule).
    public init(path: String) throws(Problem) {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, [.readOnly, .directory, .closeOnExec])
        } catch {
            switch error.errno {
            case .noSuchFileOrDirectory: throw .notFound
            case .notDirectory: throw .notADirectory
            default: throw .system(error)
            }
        }
        let status: FileStatus
        do { status = try fd.status() } catch {
            _ = try? fd.close()
            throw .system(error)
        }
        if let refusal = FileTrust(.workingDirectory).refusal(of: status) {
            _ = try? fd.close()
            throw Problem(refusal)
        }
        self.path = path
        self.descriptor = fd
        self.identity = status.identity
    }

    deinit { _ = try? descriptor.close() }

    /// Lends the directory's descriptor (for `openat` and the like) for the duration of `body`; it
    /// must not be closed or kept: the directory closes it when it is released.
    public func withUnsafeFileDescriptor<R, E: Error>(_ body: (Int32) throws(E) -> R) throws(E) -> R {
        try body(descriptor.rawValue)
    }

    /// Throws `.changed` with the differing attributes if the open directory's identity changed,
    /// or if `path` now names another directory (a swap or rename since it was opened).
    public func revalidate() throws(Problem) {
        do {
            let now = try descriptor.status().identity
            let differences = identity.differences(from: now)
            guard differences.isEmpty else { throw Problem.changed(differences) }
            let named = try FileDescriptor.open(path, [.readOnly, .directory, .closeOnExec])
            let namedIdentity = try named.closeAfter { (fd) throws(SystemCallError) in try fd.status().identity }
            let swapped = identity.differences(from: namedIdentity)
            guard swapped.isEmpty else { throw Problem.changed(swapped.map { "path now names another directory (\($0))" }) }
        } catch let problem as Problem {
            throw problem
        } catch let error as SystemCallError {
            throw error.errno == .noSuchFileOrDirectory ? .changed(["path no longer exists"]) : .system(error)
        } catch {
            throw .system(SystemCallError("revalidate", errno: .ioError))
        }
    }
}
