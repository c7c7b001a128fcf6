/// Every way a store operation can fail, one case per cause.
///
/// `userMessage` is safe to show anyone: it names the problem and the fix but no path, session id or
/// cryptographic detail. `logDescription` carries the detail for the owner's logs.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSessionID(String)
    case notFound(SessionID)
    case permissionDenied(SystemCallError)
    case tooLarge(size: Int64, limit: Int)
    case notRegularFile(FileType)
    case symbolicLink
    case hardLinked(UInt64)
    case wrongOwner(owner: UInt32, expected: UInt32)
    case insecurePermissions(FilePermissions)
    case insecureDirectory(FilePermissions)
    /// A store directory (the data directory, `sessions/` or `locks/`) that is a symbolic link, not
    /// a directory, or another user's: never followed or trusted.
    case untrustedDirectory(TrustViolation)
    case changedWhileReading
    case lockTimeout(Duration)
    case limitReached(count: Int, limit: Int)
    case invalidSignature(SignatureVerdict)
    case unsigned
    case duplicateKeys([String])
    case undecodable(String)
    case schema(SchemaError)
    /// A save refused: the session breaks JidoCode's schema (`SessionSchema`); nothing was written.
    case invalidSession(SchemaError)
    /// A save failed: the session could not be encoded (a limit of the encoder); nothing was written.
    case encodingFailed(String)
    case idMismatch(file: SessionID, document: String)
    /// `SessionStore.open`: the machine secret cannot be used (the secret's own error, with its path).
    case secret(MachineSecretError)
    /// `SessionStore.open`: the signing key could not be made (the host name unreadable, libcrypto failed).
    case key(CryptoError)
    case io(SystemCallError)
    /// `update`'s transform threw (an error other than a `StoreError`); nothing was written for it.
    case transformFailed(TransformFailure)
    /// The task of an `async` call was cancelled before the operation started; nothing was done.
    case cancelled

    /// What went wrong and what to do, without paths, ids or key material.
    public var userMessage: String {
        switch self {
        case .invalidSessionID: return "That is not a valid session id."
        case .notFound: return "The session does not exist."
        case .permissionDenied: return "Permission denied reading or writing the session store; check the store's ownership."
        case .tooLarge: return "The session file is larger than the allowed limit."
        case .notRegularFile, .symbolicLink, .hardLinked:
            return "A session file was replaced by something that is not a plain file; it was not opened. Run jido-audit."
        case .wrongOwner: return "A session file belongs to another user; it was not read. Run jido-audit."
        case .untrustedDirectory:
            return "A store directory is a link, not a directory, or another user's; it was not trusted. Run jido-audit: it names the directory."
        case .insecurePermissions, .insecureDirectory:
            return "The session store is writable by other users; it was not trusted. Run `jido-audit --fix`."
        case .changedWhileReading: return "The session file changed while it was read; try again."
        case .lockTimeout: return "Another save of this session is taking too long; try again."
        case .limitReached: return "Too many saved sessions; delete old ones or raise the limit."
        case .invalidSignature, .duplicateKeys:
            return "The session file failed its integrity check and was not loaded. Run jido-audit."
        case .unsigned: return "The session file is not signed and was not loaded."
        case .undecodable, .schema, .idMismatch: return "The session file is damaged and was not loaded."
        case .invalidSession: return "The session is not in JidoCode's format and was not saved; the saved copy is unchanged."
        case .encodingFailed: return "The session could not be encoded and was not saved; the saved copy is unchanged."
        case .secret: return "The machine secret cannot be used; run jido-audit for the fix."
        case let .key(error): return error.userMessage
        case .io: return "The session store could not be written or read; see the log for the cause."
        case .transformFailed: return "The change to the session failed and was not saved; the saved copy is unchanged."
        case .cancelled: return "The operation was cancelled before it started; nothing was changed."
        }
    }

    /// Full detail for logs.
    public var logDescription: String {
        switch self {
        case let .invalidSessionID(text): return "invalid session id \(text.debugDescription) (must be a lower-case UUID v4)"
        case let .notFound(id): return "session \(id) not found"
        case let .permissionDenied(error): return "permission denied: \(error)"
        case let .tooLarge(size, limit): return "session file of \(size) bytes exceeds the limit of \(limit)"
        case let .notRegularFile(type): return "session file is a \(type.rawValue), not a regular file"
        case .symbolicLink: return "session file is a symbolic link (not followed)"
        case let .hardLinked(count): return "session file has \(count) hard links"
        case let .wrongOwner(owner, expected): return "session file owned by uid \(owner), expected \(expected)"
        case let .insecurePermissions(mode): return "session file mode \(mode) is writable by group or others"
        case let .insecureDirectory(mode): return "store directory mode \(mode) is writable by group or others"
        case let .untrustedDirectory(violation): return "store directory is \(violation)"
        case .changedWhileReading: return "session file changed while being read"
        case let .lockTimeout(duration): return "could not lock the session within \(duration)"
        case let .limitReached(count, limit): return "session count \(count) reached the limit of \(limit)"
        case let .invalidSignature(verdict): return "signature verdict: \(verdict.rawValue)"
        case .unsigned: return "session file has no signature"
        case let .duplicateKeys(pointers): return "duplicated keys: \(pointers.joined(separator: ", "))"
        case let .undecodable(detail): return "undecodable session file: \(detail)"
        case let .schema(error): return "schema: \(error)"
        case let .invalidSession(error): return "refused to save a session that breaks the schema: \(error)"
        case let .encodingFailed(detail): return "cannot encode the session: \(detail)"
        case let .idMismatch(file, document): return "file \(file).json holds id \(document.debugDescription)"
        case let .secret(error): return "machine secret: \(error.logDescription)"
        case let .key(error): return "signing key: \(error.logDescription)"
        case let .io(error): return "I/O: \(error)"
        case let .transformFailed(failure): return "the update's transform threw: \(failure)"
        case .cancelled: return "cancelled before it started"
        }
    }

    public var description: String { logDescription }

    /// Maps a system call failure: EACCES/EPERM are permission problems, the rest I/O.
    static func from(_ error: SystemCallError) -> StoreError {
        error.errno == .permissionDenied || error.errno == .notPermitted ? .permissionDenied(error) : .io(error)
    }

    static func from(_ error: FileReadError, id: SessionID) -> StoreError {
        switch error {
        case .notFound: return .notFound(id)
        case .symbolicLink: return .symbolicLink
        case let .untrusted(violation): return StoreError(violation, in: .sessionFile)
        case let .tooLarge(size, limit): return .tooLarge(size: size, limit: limit)
        case .changedWhileReading: return .changedWhileReading
        case let .system(error): return from(error)
        }
    }

    /// The one mapping from a trust violation (of a session file or a store directory) to a store error.
    init(_ violation: TrustViolation, in role: TrustRole) {
        // A directory's problems are the directory's, never worded as a session file's.
        if role.requiredType == .directory {
            switch violation {
            case let .writableByOthers(mode), let .readableByOthers(mode): self = .insecureDirectory(mode)
            default: self = .untrustedDirectory(violation)
            }
            return
        }
        switch violation {
        case .wrongType(.symbolicLink): self = .symbolicLink
        case let .wrongType(type): self = .notRegularFile(type)
        case let .wrongOwner(owner, expected): self = .wrongOwner(owner: owner, expected: expected)
        case let .hardLinked(count): self = .hardLinked(count)
        case let .writableByOthers(mode), let .readableByOthers(mode):
            self = role.requiredType == .directory ? .insecureDirectory(mode) : .insecurePermissions(mode)
        }
    }

    /// Maps a failed directory open: a creation or system failure like any system call, a violation by
    /// the mapping above.
    static func from(_ error: DirectoryOpenError, in role: TrustRole) -> StoreError {
        switch error {
        case let .creationFailed(error), let .system(error): return from(error)
        case let .untrusted(violation): return StoreError(violation, in: role)
        }
    }
}

/// An error thrown by an `update` transform, carried in `StoreError.transformFailed`.
public struct TransformFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transform's own error.
    public let underlying: any Error

    init(_ underlying: any Error) { self.underlying = underlying }

    public var description: String { String(reflecting: underlying) }

    /// Equal when the underlying errors are of the same type and describe themselves alike (errors
    /// are not `Equatable` in general; this is what `StoreError`'s equality needs).
    public static func == (a: TransformFailure, b: TransformFailure) -> Bool {
        type(of: a.underlying) == type(of: b.underlying) && a.description == b.description
    }
}
