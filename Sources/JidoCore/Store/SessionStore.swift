#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Dispatch

/// Settings of a `SessionStore`; the defaults are what a careful user would want.
public struct StoreOptions: Sendable {
    /// Largest session file read or written.
    public var maxFileBytes = 10 << 20
    /// Longest wait for another writer of the same session before `StoreError.lockTimeout`.
    public var lockTimeout: Duration = .seconds(10)
    /// Most sessions kept; a save that would create one more fails with `limitReached`, or evicts
    /// the oldest when `evictOldest` is set. nil: no limit.
    public var maxSessions: Int?
    /// From this many sessions on, saves report `SaveWarning.approachingLimit`.
    public var warningThreshold: Int?
    public var evictOldest = false
    /// Load legacy unsigned files (JidoCode accepts them with a warning); off by default.
    public var acceptUnsigned = false
    /// Load files with duplicated keys (JidoCode does: it keeps the first); off by default.
    public var acceptDuplicateKeys = false
    /// Memory for the signing caches of recently saved sessions (`SigningCache`: a save after an
    /// append encodes and authenticates the new messages only), and as much again for the file
    /// bytes this store last wrote or accepted (`KnownFileRegistry`: reading them again is not
    /// decoding them again); 0 turns both off.
    public var signingCacheBytes = 32 << 20
    /// The Erlang/OTP family of the JidoCode this store serves. It decides the member order of
    /// objects with more than 32 members, both in what the store writes and in what it accepts: a
    /// session signed over the other family's order is refused, as that JidoCode refuses it.
    /// Default: OTP 27/28 (JidoCode pins OTP 28).
    public var beamOrder: BeamOrder = .jidoCodeDefault
    /// The time every write stamps into `updated_at` (a test may pin it).
    public var clock: @Sendable () -> Date = { Date() }
    /// Whether a write stamps `updated_at` with `clock` (JidoCode's behaviour, the default). Off, the
    /// session is written with the `updated_at` it holds: `jido-session import` stores a session from
    /// another machine with its content exactly as exported (a missing `closed_at` is still stamped,
    /// as JidoCode refuses a file without one).
    package var stampsUpdatedAt = true

    public init() {}
}

/// A warning that came with a successful save.
public enum SaveWarning: Sendable, Equatable {
    case approachingLimit(count: Int, limit: Int)
    case evicted(SessionID)
}

/// What a successful save did.
public struct SaveOutcome: Sendable, Equatable {
    public var warnings: [SaveWarning] = []
}

/// The metadata `list()` reads without decoding whole sessions (unverified: `load` before trusting it).
public struct SessionMetadata: Sendable, Equatable {
    public let id: SessionID
    public let name: String
    public let projectPath: String
    /// `closed_at`, nil when absent or not an ISO 8601 timestamp.
    public let closedAt: Date?
    /// `updated_at`, nil when absent or not an ISO 8601 timestamp.
    public let updatedAt: Date?

    /// The latest of `updatedAt` and `closedAt`: when the session was last used or saved.
    public var lastActivity: Date? { [updatedAt, closedAt].compactMap { $0 }.max() }
}

/// JidoCode's session store, made safe: `<data>/sessions/<uuid>.json`, signed, with atomic durable
/// writes, cross-process locking, and descriptor-checked reads.
///
/// The data, sessions and locks directories are opened once (O_DIRECTORY|O_NOFOLLOW, created 0700)
/// and every file operation is relative to those descriptors, so renaming a directory away after
/// opening cannot redirect the store. Writes go through `SaveQueue` (in process) and a per-session
/// `flock` on `<data>/locks/<id>.lock` (across processes; released by the kernel if a holder dies).
/// Reads check the descriptor (regular file, owner, one link, no group/other write, size) before a
/// byte is read, then verify the signature, the keys and the schema.
public final class SessionStore: Sendable {
    public let options: StoreOptions
    let key: SessionKey
    let dataDirectory: FileDescriptor
    let sessionsDirectory: FileDescriptor
    let locksDirectory: FileDescriptor
    private let queues = SaveQueueRegistry()
    let signingCaches: SigningCacheRegistry
    /// The files this store last wrote or accepted, with their sessions (`KnownFileRegistry`).
    let knownFiles: KnownFileRegistry

    /// Opens (creating if needed) the store of `<home>/.jido_code`, with the machine secret there
    /// (created if missing) and this machine's hostname unless one is given.
    public static func open(home: String, hostname: String? = nil, options: StoreOptions = StoreOptions()) throws(StoreError) -> SessionStore {
        let secret: MachineSecret
        do { secret = try MachineSecret.loadOrCreate(home: home) } catch { throw .secret(error) }
        let name: String
        if let hostname {
            name = hostname
        } else {
            do { name = try Hostname.current() } catch { throw .key(error) }
        }
        let key: SessionKey
        do { key = try secret.sessionKey(hostname: name) } catch { throw .key(error) }
        return try SessionStore(dataDirectory: StoreLayout.dataPath(home: home), key: key, options: options)
    }

    /// Opens the store in `dataDirectory` (its last component is created 0700 if missing and never
    /// followed if it is a symlink) with an explicit key.
    public init(dataDirectory path: String, key: SessionKey, options: StoreOptions = StoreOptions()) throws(StoreError) {
        self.options = options
        self.signingCaches = SigningCacheRegistry(maxBytes: options.signingCacheBytes)
        self.knownFiles = KnownFileRegistry(maxBytes: options.signingCacheBytes,
                                            verifier: .init(key: key, limits: options.decodingLimits, orders: [options.beamOrder]))
        self.key = key
        let (parent, name) = CheckedFileReader.splitPath(path)
        let parentFD: FileDescriptor
        do { parentFD = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec]) } catch { throw .from(error) }
        let data = try parentFD.closeAfter { (fd) throws(StoreError) in try Self.openPrivateDirectory(name, in: fd) }
        do throws(StoreError) {
            let sessions = try Self.openPrivateDirectory(StoreLayout.sessionsDirectory, in: data)
            do throws(StoreError) {
                let locks = try Self.openPrivateDirectory(StoreLayout.locksDirectory, in: data)
                dataDirectory = data
                sessionsDirectory = sessions
                locksDirectory = locks
            } catch {
                _ = try? sessions.close()
                throw error
            }
        } catch {
            _ = try? data.close()
            throw error
        }
        removeStaleTemporaryFiles()
    }

    deinit {
        _ = try? locksDirectory.close()
        _ = try? sessionsDirectory.close()
        _ = try? dataDirectory.close()
    }

    /// Creates `name` (0700) if missing and opens it as a directory without following a symlink;
    /// it must meet `TrustRole.privateDirectory` (ours, not writable by group or others).
    static func openPrivateDirectory(_ name: String, in parent: FileDescriptor) throws(StoreError) -> FileDescriptor {
        do {
            return try parent.openTrustedDirectory(name, creating: true, as: .privateDirectory)
        } catch {
            throw .from(error, in: .privateDirectory)
        }
    }

    // MARK: - Reading

    /// The policy every session file must pass on its descriptor before it is read.
    var filePolicy: FilePolicy { FilePolicy(maxBytes: options.maxFileBytes, role: .sessionFile) }

    /// Loads, verifies and validates a session. A session read from JidoCode's canonical bytes also
    /// primes its signing cache (`SigningCache.primed`), so the first save after a resume is as
    /// cheap as the next ones. Bytes exactly equal to the ones this store last wrote or accepted for
    /// `id` are answered from `KnownFileRegistry` (the same answer, without decoding again).
    public func load(_ id: SessionID) throws(StoreError) -> Session {
        guard let session = try loadIfPresent(id, priming: .always) else { throw .notFound(id) }
        return session
    }

    /// When a read primes the session's signing cache from the file (`SigningCache.primed`; only
    /// canonical files can).
    enum SigningCachePriming {
        case never
        /// `load`: the next save is the caller's, after a resume.
        case always
        /// `update` under the lock: when the file was decoded, i.e. another writer (or process)
        /// wrote it. The cache then holds the very element values the transforms see, so the save
        /// compares them by storage (`JSONValue ==`) instead of element by element, and resumes the
        /// MAC after the unchanged bytes. A known file is this store's own: its cache is current.
        case whenDecoded
    }

    func loadIfPresent(_ id: SessionID, priming: SigningCachePriming = .never) throws(StoreError) -> Session? {
        let bytes: [UInt8]
        do {
            bytes = try CheckedFileReader.read(StoreLayout.sessionFile(id), in: sessionsDirectory, policy: filePolicy).bytes
        } catch .notFound {
            return nil
        } catch {
            throw .from(error, id: id)
        }
        let session: Session, canonical: Bool, primes: Bool
        if let known = knownFiles.session(id, ifBytesAre: bytes) {
            (session, canonical) = known
            primes = priming == .always
        } else if let extended = knownFiles.session(id, extendedBy: bytes), extended.id == id {
            (session, canonical) = (extended, true) // Recorded by `knownFiles` with its checkpoint.
            // Its unchanged messages are the known entry's values, which this store's signing cache
            // of the session holds when it has one (from the save or load that made the entry): that
            // cache stays, and the signing resumes its MAC if the file still starts with the bytes it
            // absorbed (checked there, never assumed). Without one, the file primes a new one.
            primes = priming != .never && !signingCaches.holds(id)
        } else {
            (session, canonical) = try decodeSession(bytes, expected: id)
            knownFiles.putLoaded(bytes, session: session, isCanonical: canonical, for: id)
            primes = priming != .never
        }
        if primes, canonical, signingCaches.maxBytes > 0,
           let cache = try? SigningCache.primed(fromCanonicalFile: bytes, conversation: session.document[SigningCacheRegistry.memberKey]?.arrayValue ?? [],
                                                key: key, order: options.beamOrder, memberKey: SigningCacheRegistry.memberKey) {
            signingCaches.put(cache, for: id)
        }
        return session
    }

    /// Verifies and decodes session file bytes (`SessionFile.inspect`, one decode) and refuses them
    /// for the first problem in this order: the signature, duplicated keys, the schema, the id. Also
    /// whether the bytes verified as JidoCode's canonical form.
    func decodeSession(_ bytes: [UInt8], expected id: SessionID) throws(StoreError) -> (Session, isCanonical: Bool) {
        let inspection = SessionFile.inspect(bytes: bytes, key: key, limits: options.decodingLimits, orders: [options.beamOrder], needs: .session)
        let verification = inspection.verification
        switch verification.verdict {
        case .valid: break
        case .unsigned where options.acceptUnsigned: break
        case .unsigned: throw .unsigned
        case .undecodable: throw .undecodable(verification.detail ?? "")
        // A null signature is never a legacy file: JidoCode never writes one (see `nullSignature`).
        case .invalid, .malformed, .nullSignature: throw .invalidSignature(verification.verdict)
        }
        if !verification.duplicateKeys.isEmpty, !options.acceptDuplicateKeys { throw .duplicateKeys(verification.duplicateKeys) }
        let session: Session
        switch inspection.content.schema {
        case let .undecodable(detail): throw .undecodable(detail)
        case let .invalid(error): throw .schema(error)
        case let .valid(_, _, decoded?): session = decoded
        // Not reached: with `.session` a valid file is always decoded.
        case .valid(_, _, nil): throw .undecodable("the session was not decoded")
        }
        guard session.id == id else { throw .idMismatch(file: id, document: session.id.rawValue) }
        return (session, verification.verdict == .valid && verification.isCanonical)
    }

    // MARK: - Writing

    /// Saves `session` (replacing what is stored), returning once that write is durable. A session
    /// the schema refuses (`SessionSchema`: say a message with an unknown role) is not written:
    /// `StoreError.invalidSession`, and the stored file is unchanged.
    @discardableResult
    public func save(_ session: Session) throws(StoreError) -> SaveOutcome {
        let work = SaveQueue.Work(replaces: true) { current in current = session }
        return try submit(work, id: session.id)
    }

    /// Applies `transform` to the latest stored state of session `id` (nil when it does not exist
    /// yet) under the session's lock and writes the result durably. Concurrent updates from any
    /// thread or process are serialized (see `SaveQueue`), so none is lost. A transform that throws
    /// writes nothing for itself; setting the state to nil is not a delete and writes nothing; a
    /// result the schema refuses writes nothing for itself either (`StoreError.invalidSession`).
    ///
    /// The transform may run on another caller's thread (the one writing the batch that includes
    /// it), so it is `@Sendable`: it can read what it captured, not an actor's isolated state. Its
    /// own error comes back as `StoreError.transformFailed` (a `StoreError` it throws, unchanged).
    @discardableResult
    public func update(_ id: SessionID, _ transform: @escaping @Sendable (inout Session?) throws -> Void) throws(StoreError) -> SaveOutcome {
        try submit(SaveQueue.Work(replaces: false, transform), id: id)
    }

    private func submit(_ work: SaveQueue.Work, id: SessionID) throws(StoreError) -> SaveOutcome {
        let outcome = queues.withQueue(id) { queue in
            queue.submit(work) { batch in self.writeBatch(batch, id: id) }
        }
        return try outcome.get()
    }

    /// What a batch did: an outcome per work item, and the file it wrote with the session it holds
    /// and the directory sync that makes it durable.
    private struct BatchResult {
        var outcomes: [SaveQueue.Outcome]
        var written: (file: SessionSignature.SignedFile, session: Session, lastElementEnd: Int?,
                      durability: AtomicFileWriter.PendingDirectorySync)?
    }

    /// One batch under the kernel locks: read, apply each transform in order, write once (the new
    /// file's bytes fsynced, then renamed into place). After the locks are released, the directory
    /// is fsynced, so the batch returns only once its write is durable, and the written file is
    /// recorded in `knownFiles` (an entry is keyed by the file's bytes, so a file another writer
    /// replaced since is a miss, never a wrong answer).
    ///
    /// Why the directory's fsync may follow the release: the lock orders read-modify-rename
    /// sequences, and durability is owed only to acknowledged saves. The next holder may read this
    /// file before its rename is durable and build on it; its own rename, made durable before it
    /// returns, then carries this content too. Bytes are fsynced before every rename, so whatever
    /// entry a crash leaves points at a complete file; a save is acknowledged only after its own
    /// directory fsync, which persists its rename or a later one made on top of it. Holding the lock
    /// through that fsync would make every waiter queue behind a disk flush.
    private func writeBatch(_ batch: [SaveQueue.Work], id: SessionID) -> [SaveQueue.Outcome] {
        let result: BatchResult
        do throws(StoreError) { result = try writeBatchLocked(batch, id: id) } catch { return batch.map { _ in .failure(error) } }
        guard let (file, session, lastElementEnd, durability) = result.written else { return result.outcomes }
        do throws(SystemCallError) { try durability.complete() } catch {
            let failure = StoreError.from(error)
            return result.outcomes.map { $0.flatMap { _ in .failure(failure) } }
        }
        knownFiles.putWritten(file, session: session, lastElementEnd: lastElementEnd)
        return result.outcomes
    }

    private func writeBatchLocked(_ batch: [SaveQueue.Work], id: SessionID) throws(StoreError) -> BatchResult {
        while true {
            // Lock order is always: store lock (only to create a session), then session lock.
            let existed = (try? sessionsDirectory.status(of: StoreLayout.sessionFile(id))) != nil
            let storeLock: FileLock? = existed ? nil : try lock(StoreLayout.storeLock)
            let sessionLock = try lock(StoreLayout.lockFile(id))
            let creating = (try? sessionsDirectory.status(of: StoreLayout.sessionFile(id))) == nil
            if creating && existed {
                continue // Deleted since the check: retry, so creation happens under the store lock.
            }
            // Plain replacements (save) do not read the stored state; transforms (update) do.
            var current: Result<Session?, StoreError> = .success(nil)
            if batch.contains(where: { !$0.replaces }) {
                do throws(StoreError) { current = .success(try loadIfPresent(id, priming: .whenDecoded)) } catch { current = .failure(error) }
            }
            return try writeLocked(batch, id: id, current: current, creating: creating, locks: storeLock, sessionLock)
        }
    }

    /// The part of a batch that runs with the locks held (they are released when this returns:
    /// `FileLock` closes its descriptor when it goes out of scope).
    private func writeLocked(_ batch: [SaveQueue.Work], id: SessionID, current: Result<Session?, StoreError>, creating: Bool,
                             locks storeLock: borrowing FileLock?, _ sessionLock: borrowing FileLock) throws(StoreError) -> BatchResult {
        var state: Session? = try? current.get()
        // What validation may skip (elements sharing storage with ones that passed the schema):
        // the state's, or for a first replacement the conversation of the session's signing cache,
        // which holds only validated elements (`SigningCacheRegistry.validatedConversation`).
        let cachedConversation = state == nil ? signingCaches.validatedConversation(id) : nil
        var outcomes: [SaveQueue.Outcome] = []
        var changed = false
        for work in batch {
            // A transform that reads the state cannot run on a file that failed its checks;
            // a plain replacement (save) may overwrite it.
            if case let .failure(error) = current, !work.replaces {
                outcomes.append(.failure(error))
                continue
            }
            var next = state
            do throws(StoreError) {
                do { try work.apply(&next) } catch let error as StoreError { throw error } catch { throw .transformFailed(TransformFailure(error)) }
                guard let result = next else { throw .notFound(id) }
                guard result.id == id else { throw .idMismatch(file: id, document: result.id.rawValue) }
                // Nothing the schema refuses is written. `Session` keeps itself valid; this is the
                // store's own check that no path around it exists. Messages kept from `state`, or from
                // the signing cache (both validated already), are not walked again.
                do throws(SchemaError) {
                    _ = try SessionSchema.validate(result.document, unchangedFrom: state?.document ?? cachedConversation)
                } catch {
                    throw .invalidSession(error)
                }
                state = result
                changed = true
                outcomes.append(.success(SaveOutcome()))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        guard changed, var final = state else { return BatchResult(outcomes: outcomes) }
        let now = options.clock()
        if options.stampsUpdatedAt { final.markUpdated(at: now) }
        // JidoCode refuses a file without `closed_at` (`Schema.validate_session/1`: missing_fields) and
        // stamps it on every save; an open session is closed, for the file, at its first write.
        if final.document["closed_at"] == nil { final.closedAt = now }
        let warnings = creating ? try enforceLimit(creating: id) : []
        let file: SessionSignature.SignedFile
        var cache = signingCaches.take(id, key: key, order: options.beamOrder)
        do { file = try SessionSignature.signedFile(for: final.document, key: key, order: options.beamOrder, cache: &cache) } catch {
            throw .encodingFailed("\(error)")
        }
        guard file.count <= options.maxFileBytes else { throw .tooLarge(size: Int64(file.count), limit: options.maxFileBytes) }
        let durability: AtomicFileWriter.PendingDirectorySync
        do { durability = try AtomicFileWriter.replace(parts: file.parts, as: StoreLayout.sessionFile(id), in: sessionsDirectory) } catch {
            throw .from(error)
        }
        // Where the conversation ends in the file (the signing's, when the signature line follows it).
        let lastElementEnd = cache?.elements?.lastElementEnd.flatMap { $0 <= file.insertionOffset ? $0 : nil }
        if let cache { signingCaches.put(cache, for: id) }
        return BatchResult(outcomes: outcomes.map { $0.map { _ in SaveOutcome(warnings: warnings) } },
                           written: (file, final, lastElementEnd, durability))
    }

    private func lock(_ name: String) throws(StoreError) -> FileLock {
        do throws(FileLock.Failure) {
            return try FileLock.acquire(name, in: locksDirectory, timeout: options.lockTimeout)
        } catch {
            switch error {
            case .timedOut: throw .lockTimeout(options.lockTimeout)
            case let .system(error): throw .from(error)
            }
        }
    }

    /// Under the store lock, before creating session `id`: the count limit and its warning.
    private func enforceLimit(creating id: SessionID) throws(StoreError) -> [SaveWarning] {
        guard options.maxSessions != nil || options.warningThreshold != nil else { return [] }
        var ids = try sessionIDs()
        var warnings: [SaveWarning] = []
        if let limit = options.maxSessions, ids.count >= limit {
            guard options.evictOldest else { throw .limitReached(count: ids.count, limit: limit) }
            var needed = ids.count - limit + 1
            // Only a session that passes `load`'s checks is evicted: the order comes from unverified
            // metadata, and a forged file must not steer deletions (its claimed date is skipped).
            for victim in oldestFirst(ids.filter { $0 != id }) where needed > 0 {
                guard (try? loadIfPresent(victim)) != nil else { continue }
                try delete(victim)
                warnings.append(.evicted(victim))
                ids.removeAll { $0 == victim }
                needed -= 1
            }
            if needed > 0 { throw .limitReached(count: ids.count, limit: limit) }
        }
        if let threshold = options.warningThreshold, ids.count + 1 >= threshold {
            warnings.append(.approachingLimit(count: ids.count + 1, limit: options.maxSessions ?? threshold))
        }
        return warnings
    }

    /// Session ids ordered oldest first by last activity (`SessionMetadata.lastActivity`; none:
    /// oldest), then by id, for eviction.
    private func oldestFirst(_ ids: [SessionID]) -> [SessionID] {
        let metadata = (try? list()) ?? []
        let activity = Dictionary(metadata.map { ($0.id, $0.lastActivity?.timeIntervalSince1970 ?? -.infinity) }, uniquingKeysWith: { a, _ in a })
        return ids.sorted { (activity[$0] ?? -.infinity, $0) < (activity[$1] ?? -.infinity, $1) }
    }

    // MARK: - Deleting

    /// Deletes a session; deleting one that does not exist succeeds (idempotent).
    public func delete(_ id: SessionID) throws(StoreError) {
        signingCaches.remove(id)
        knownFiles.remove(id)
        let sessionLock = try lock(StoreLayout.lockFile(id))
        do {
            try sessionsDirectory.unlink(StoreLayout.sessionFile(id))
            try sessionsDirectory.sync()
        } catch where error.errno == .noSuchFileOrDirectory {
        } catch {
            sessionLock.release()
            throw .from(error)
        }
        sessionLock.releaseRemoving(StoreLayout.lockFile(id), in: locksDirectory)
    }

    // MARK: - Listing

    /// The ids of every `<uuid>.json` entry (other names are ignored).
    func sessionIDs() throws(StoreError) -> [SessionID] {
        do {
            return try sessionsDirectory.entries().entries.compactMap { $0.name.flatMap(StoreLayout.sessionID(fileName:)) }
        } catch {
            throw .from(error)
        }
    }

    /// Metadata of every stored session, most recently closed first (as JidoCode lists them; those
    /// without `closed_at` last), read without decoding whole files (unreadable or malformed files
    /// are left out; `load` gives the reason). The metadata is not verified: load a session before
    /// trusting its content.
    public func list() throws(StoreError) -> [SessionMetadata] {
        var result: [SessionMetadata] = []
        for id in try sessionIDs() {
            guard let bytes = try? CheckedFileReader.read(StoreLayout.sessionFile(id), in: sessionsDirectory, policy: filePolicy).bytes,
                  let metadata = SessionMetadataScanner.scan(bytes, expected: id) else { continue }
            result.append(metadata)
        }
        let never = -Double.infinity
        return result.sorted {
            ($0.closedAt?.timeIntervalSince1970 ?? never, $0.id) > ($1.closedAt?.timeIntervalSince1970 ?? never, $1.id)
        }
    }

    /// Persisted sessions that are not active: neither their id nor their project path is in use.
    public func listResumable(activeIDs: Set<SessionID> = [], activeProjectPaths: Set<String> = []) throws(StoreError) -> [SessionMetadata] {
        try list().filter { !activeIDs.contains($0.id) && !activeProjectPaths.contains($0.projectPath) }
    }

    /// The newest persisted session of a project path.
    public func find(projectPath: String) throws(StoreError) -> SessionMetadata? {
        try list().first { $0.projectPath.utf8.elementsEqual(projectPath.utf8) }
    }

    // MARK: - Maintenance

    /// What `cleanup` did, per session.
    public struct CleanupReport: Sendable, Equatable {
        public var deleted: [SessionID] = []
        public var skipped: [(SessionID, String)] = []
        public var failed: [(SessionID, StoreError)] = []

        public static func == (a: CleanupReport, b: CleanupReport) -> Bool {
            a.deleted == b.deleted && a.skipped.map(\.0) == b.skipped.map(\.0) && a.failed.map(\.0) == b.failed.map(\.0)
        }
    }

    /// Deletes sessions last active more than `age` before `now`: by the latest of `updated_at` and
    /// `closed_at` (`SessionMetadata.lastActivity`; every write stamps `updated_at`, so a session saved
    /// moments ago is never old). Sessions without a parseable timestamp are skipped, with the
    /// reason. A session is deleted only after it passed every check `load` makes (signature, keys,
    /// schema, id), on the date it verifies with: a forged or damaged file is reported in `skipped`,
    /// never deleted.
    @discardableResult
    public func cleanup(olderThan age: Duration, now: Date = Date(), activeIDs: Set<SessionID> = []) throws(StoreError) -> CleanupReport {
        var report = CleanupReport()
        let cutoff = now.addingTimeInterval(-age.seconds)
        for metadata in try list() {
            if activeIDs.contains(metadata.id) {
                report.skipped.append((metadata.id, "active"))
                continue
            }
            guard let activity = metadata.lastActivity else {
                report.skipped.append((metadata.id, "no parseable updated_at or closed_at"))
                continue
            }
            guard activity < cutoff else { continue }
            // The metadata is unverified: the decision stands only on the verified session.
            let verified: Session
            do throws(StoreError) {
                guard let session = try loadIfPresent(metadata.id) else { continue }
                verified = session
            } catch {
                report.skipped.append((metadata.id, "not deleted: it does not pass the checks (\(error.logDescription))"))
                continue
            }
            guard let verifiedActivity = verified.lastActivity, verifiedActivity < cutoff else { continue }
            do throws(StoreError) {
                try delete(metadata.id)
                report.deleted.append(metadata.id)
            } catch {
                report.failed.append((metadata.id, error))
            }
        }
        return report
    }

    /// Removes temporary files left by writers that were killed. A temporary of session X is only
    /// written while X's lock is held, so one found while we hold that lock is provably stale; a
    /// temporary whose lock is held by someone else is left alone. Returns how many were removed.
    @discardableResult
    public func removeStaleTemporaryFiles() -> Int {
        guard let entries = try? sessionsDirectory.entries().entries else { return 0 }
        var removed = 0
        var byID: [SessionID: [String]] = [:]
        for entry in entries {
            guard let name = entry.name, let target = AtomicFileWriter.target(ofTemporary: name),
                  let id = StoreLayout.sessionID(fileName: target) else { continue }
            byID[id, default: []].append(name)
        }
        for (id, names) in byID {
            guard let held = try? FileLock.acquire(StoreLayout.lockFile(id), in: locksDirectory, timeout: .zero) else { continue }
            for name in names where (try? sessionsDirectory.unlink(name)) != nil { removed += 1 }
            held.release()
        }
        if removed > 0 { try? sessionsDirectory.sync() }
        return removed
    }
}

extension StoreOptions {
    /// The decoder's limits for session files: `maxFileBytes` of input.
    var decodingLimits: JSONLimits { JSONLimits(maxInputBytes: maxFileBytes) }
}
