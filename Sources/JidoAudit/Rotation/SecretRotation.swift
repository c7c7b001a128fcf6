import Glibc
public import JidoCore

/// What a rotation does and how.
public struct RotationOptions: Sendable {
    /// The home whose `.jido_code/` is rotated.
    public var home: PathBytes
    /// The hostname the keys are derived with (default: this machine's, as JidoCode reads it). A
    /// resumed rotation uses the journal's.
    public var hostname: String?
    /// Also re-sign sessions that verify under JidoCode's fallback key (JG080): only when their
    /// content is trusted, since anyone could have forged them.
    public var includeFallback = false
    /// Node names tried for the fallback key besides `nonode@nohost`.
    public var fallbackNodes: [String] = []
    /// Report what would be done; write nothing (no lock taken, no journal).
    public var dryRun = false
    /// Refuse when a JidoCode process appears to use the data directory (`JidoCodeProcesses`).
    /// Tests turn it off: the children other tests fork inherit descriptors that the scan would see.
    public var checkProcesses = true
    /// The longest wait for a session's lock (a writer of ours holding it).
    public var lockTimeout: Duration = .seconds(10)
    /// Seconds since the epoch, for the retired secret's name.
    public var now: @Sendable () -> Int = { Int(time(nil)) }
    /// Called after each durable step (`Checkpoint`): for tests that snapshot every intermediate state.
    package var checkpoint: (@Sendable (Checkpoint) -> Void)?
    /// The deliberately unsafe order of `jido-stress rotate --unsafe-rotation` (the negative control):
    /// the new secret replaces `machine_secret` first, without journal or retired copy, then sessions
    /// are re-signed. A kill in between leaves sessions no key on disk verifies. Never for real use.
    package var unsafeOrder = false

    public init(home: PathBytes) { self.home = home }
    public init(home: String) { self.init(home: PathBytes(home)) }
}

/// The durable steps of a rotation, in order (`RotationOptions.checkpoint`).
package enum Checkpoint: Sendable, Equatable {
    case staged, journalWritten, session(String), retired, switching, switched, finished
}

/// What a rotation did (or, with `dryRun`, would do).
public struct RotationReport: Sendable {
    /// One session file and what became of it.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// Why it was left alone (nil for a session re-signed or already under the new key).
        public let reason: String?
    }
    public var dryRun = false
    /// True when an interrupted rotation was finished.
    public var resumed = false
    public var hostname = ""
    public var oldFingerprint: String?
    public var newFingerprint: String?
    /// The retired secret's file name in the data directory.
    public var retiredName: String?
    /// Re-signed under the new key (with `dryRun`: would be).
    public var resigned: [String] = []
    /// Of `resigned`, those that verified under the fallback key.
    public var resignedFromFallback: [String] = []
    /// Already under the new key (a resumed rotation re-signed them before it stopped).
    public var alreadyNew: [String] = []
    /// Every other entry of `sessions/`, untouched byte for byte, with the reason.
    public var leftAlone: [Entry] = []
}

/// Why a rotation did not run or did not finish. The data directory is then in a state a later run
/// (`--resume`) finishes: nothing is lost.
public enum RotationError: Error, Sendable, CustomStringConvertible {
    case jidoCodeRunning([JidoCodeProcesses.Suspect])
    case secret(MachineSecretError)
    case journalUnusable(String)
    case hostnameDiffers(journal: String, given: String)
    case secretMatchesNeither
    case nothingToResume
    case lockTimeout(String)
    case system(String)

    public var description: String {
        switch self {
        case let .jidoCodeRunning(suspects):
            let list = suspects.prefix(5).map { "pid \($0.pid) (\($0.reason))" }.joined(separator: "; ")
            return "a JidoCode process appears to use the data directory: \(list)\(suspects.count > 5 ? "; and \(suspects.count - 5) more" : ""). "
                + "JidoCode caches its key and would go on signing with the old one: quit it and run again (--force skips this check)"
        case let .secret(error): return "machine secret: " + error.description
        case let .journalUnusable(why):
            return "the rotation journal (\(StoreLayout.rotationJournal) in the data directory) is unusable: \(why). Nothing was changed; "
                + "inspect it: it was not written by this version of jido-audit"
        case let .hostnameDiffers(journal, given):
            return "the unfinished rotation was started with hostname \(journal.debugDescription), not \(given.debugDescription): "
                + "run again with --hostname \(journal) (or without --hostname)"
        case .secretMatchesNeither:
            return "machine_secret is neither the old nor the new secret of the unfinished rotation: something replaced it. Nothing was changed; "
                + "restore it from machine_secret.next or the retired copy after finding out what happened"
        case .nothingToResume: return "there is no unfinished rotation to resume"
        case let .lockTimeout(what): return "\(what) stayed locked by another writer; nothing more was changed: run again with --resume"
        case let .system(what): return what + "; run again with --resume once the cause is fixed"
        }
    }
}

/// Replaces the machine secret and re-signs every session that verifies under the old one, so that
/// no session is lost and a leaked secret stops being usable for new signatures.
///
/// Crash-safe at any instant (SIGKILL included); the states, in order:
/// 1. `machine_secret.next` is created (0600, `MachineSecret.create`: temporary, fsync, link, fsync
///    of the directory). A crash here leaves it without a journal: the next run removes it.
/// 2. `rotation-journal` is written atomically: from here on the rotation must finish.
/// 3. Each session is re-signed under its store lock (`locks/<id>.lock`, which our writers take) by
///    an atomic replacement (`AtomicFileWriter`): every file is at all times signed under the old or
///    the new key, never torn. The store lock is held for the whole rotation, so no session is
///    created meanwhile by our store.
/// 4. The old secret is copied to `machine_secret.retired-<UTC>` (0600, atomic), the journal says
///    `switching`, `machine_secret.next` is renamed over `machine_secret` (atomic) and the
///    directory fsynced.
/// 5. The journal is removed.
/// Resuming (any later run when the journal exists) takes the old secret from `machine_secret` or,
/// after the switch, from the retired copy, and the new from `machine_secret.next` or, after the
/// switch, `machine_secret`, each recognised by the fingerprint the journal recorded; it re-signs
/// every session still under the old key (a session under either key ends under the new one), then
/// finishes steps 4 and 5.
public enum SecretRotation {
    public static func run(_ options: RotationOptions, resumeOnly: Bool = false) throws(RotationError) -> RotationReport {
        if options.checkProcesses {
            let suspects = JidoCodeProcesses.scan(home: options.home)
            if !suspects.isEmpty { throw .jidoCodeRunning(suspects) }
        }
        let data: FileDescriptor
        do { data = try MachineSecret.openDataDirectory(home: options.home, create: false) } catch { throw .secret(error) }
        defer { _ = try? data.close() }
        var rotation = Rotation(options: options, data: data)
        return try rotation.run(resumeOnly: resumeOnly)
    }
}

/// One rotation's state.
struct Rotation {
    let options: RotationOptions
    let data: FileDescriptor
    var report = RotationReport()
    /// JidoCode's fallback keys, derived on first need (a hostname probe and a PBKDF2 per candidate),
    /// once per rotation.
    var fallbackKeys: FallbackKeys?
    var dataPath: PathBytes { StoreLayout.dataPath(home: options.home) }

    init(options: RotationOptions, data: FileDescriptor) {
        self.options = options
        self.data = data
        report.dryRun = options.dryRun
    }

    func path(_ name: String) -> PathBytes { dataPath.appending(name) }

    func loadSecret(_ name: String) throws(RotationError) -> MachineSecret {
        do { return try MachineSecret.load(name: PathBytes(name), in: data, displayPath: path(name)) } catch { throw .secret(error) }
    }

    func exists(_ name: String) -> Bool { (try? data.status(of: name)) != nil }

    static func fingerprint(_ secret: MachineSecret) throws(RotationError) -> String {
        do { return try secret.fingerprint() } catch { throw .system("the secret's fingerprint could not be computed: \(error.logDescription)") }
    }

    func key(_ secret: MachineSecret, _ hostname: String) throws(RotationError) -> SessionKey {
        do { return try secret.sessionKey(hostname: hostname) } catch { throw .system("the key could not be derived: \(error.logDescription)") }
    }

    func sync(_ what: String) throws(RotationError) {
        do { try data.sync() } catch { throw .system("fsync of the data directory failed (\(what)): \(error)") }
    }

    func writeJournal(_ journal: RotationJournal) throws(RotationError) {
        do { try AtomicFileWriter.write(journal.bytes, as: StoreLayout.rotationJournal, in: data) } catch {
            throw .system("writing the rotation journal failed: \(error)")
        }
    }

    func readJournal() throws(RotationError) -> RotationJournal? {
        let read: (bytes: [UInt8], status: FileStatus)
        do { read = try CheckedFileReader.read(StoreLayout.rotationJournal, in: data, policy: FilePolicy(maxBytes: RotationJournal.maxBytes, role: .secret)) } catch {
            if error == .notFound { return nil }
            throw .journalUnusable(error.description)
        }
        return try RotationJournal.parse(read.bytes).get()
    }

    mutating func run(resumeOnly: Bool) throws(RotationError) -> RotationReport {
        let journal = try readJournal()
        if journal == nil && resumeOnly { throw .nothingToResume }
        let hostname: String
        if let journal {
            if let given = options.hostname, !given.utf8.elementsEqual(journal.hostname.utf8) {
                throw .hostnameDiffers(journal: journal.hostname, given: given)
            }
            hostname = journal.hostname
        } else {
            do { hostname = try options.hostname ?? Hostname.current() } catch { throw .system("cannot read this machine's hostname (\(error)); pass --hostname") }
        }
        report.hostname = hostname
        if options.unsafeOrder { return try runUnsafe(hostname: hostname) }
        guard !options.dryRun else {
            if let journal { return try resume(journal, hostname: hostname, locks: nil) }
            return try begin(hostname: hostname, locks: nil)
        }
        // The store lock for the whole run (our writers take it to create a session); locks/ is ours.
        let locks: FileDescriptor
        do { locks = try data.openTrustedDirectory(StoreLayout.locksDirectory, creating: true, as: .privateDirectory) } catch {
            throw .system("the locks directory cannot be used: \(error)")
        }
        defer { _ = try? locks.close() }
        return try Self.locked(StoreLayout.storeLock, in: locks, timeout: options.lockTimeout, what: "the store lock") { () throws(RotationError) in
            if let journal { return try resume(journal, hostname: hostname, locks: locks) }
            return try begin(hostname: hostname, locks: locks)
        }
    }

    /// Runs `body` holding the lock `name` in `locks` (waiting at most `timeout`).
    static func locked<R>(_ name: String, in locks: FileDescriptor, timeout: Duration, what: String,
                          _ body: () throws(RotationError) -> R) throws(RotationError) -> R {
        let lock: FileLock
        do throws(FileLock.Failure) { lock = try FileLock.acquire(name, in: locks, timeout: timeout) } catch {
            throw error == .timedOut ? .lockTimeout(what) : .system("\(what): \(error)")
        }
        let result = try body()
        lock.release()
        return result
    }

    /// Steps 1 and 2, then the rest.
    mutating func begin(hostname: String, locks: FileDescriptor?) throws(RotationError) -> RotationReport {
        let old = try loadSecret(StoreLayout.secretFile)
        let oldKey = try key(old, hostname)
        report.oldFingerprint = try Self.fingerprint(old)
        // Unique: two rotations within a second must not share (and so skip writing) a retired copy.
        let stamp = StoreLayout.retiredSecretPrefix + compactUTC(options.now())
        var retiredName = stamp
        var suffix = 1
        while exists(retiredName) {
            suffix += 1
            retiredName = stamp + "-\(suffix)"
        }
        report.retiredName = retiredName
        guard !options.dryRun else {
            try resignAll(oldKey: oldKey, newKey: nil, locks: nil)
            return report
        }
        // A staged secret without a journal: a rotation killed before it began. No session uses it.
        if exists(StoreLayout.stagedSecretFile) {
            do { try data.unlink(StoreLayout.stagedSecretFile) } catch { throw .system("removing the stale \(StoreLayout.stagedSecretFile) failed: \(error)") }
        }
        do { try MachineSecret.create(named: StoreLayout.stagedSecretFile, in: data, displayPath: path(StoreLayout.stagedSecretFile)) } catch {
            throw .secret(error)
        }
        options.checkpoint?(.staged)
        let new = try loadSecret(StoreLayout.stagedSecretFile)
        report.newFingerprint = try Self.fingerprint(new)
        var journal = RotationJournal(state: .resigning, hostname: hostname, oldFingerprint: report.oldFingerprint ?? "",
                                      newFingerprint: report.newFingerprint ?? "", retiredName: retiredName, includeFallback: options.includeFallback)
        try writeJournal(journal)
        options.checkpoint?(.journalWritten)
        let newKey = try key(new, hostname)
        try resignAll(oldKey: oldKey, newKey: newKey, locks: locks)
        journal.state = .switching
        try finish(journal, old: old)
        return report
    }

    /// Finishes an interrupted rotation from whatever state a kill left.
    mutating func resume(_ journal: RotationJournal, hostname: String, locks: FileDescriptor?) throws(RotationError) -> RotationReport {
        report.resumed = true
        report.oldFingerprint = journal.oldFingerprint
        report.newFingerprint = journal.newFingerprint
        report.retiredName = journal.retiredName
        let current = try loadSecret(StoreLayout.secretFile)
        let currentPrint = try Self.fingerprint(current)
        let old: MachineSecret?
        let new: MachineSecret
        if currentPrint == journal.oldFingerprint {
            old = current
            new = try loadSecret(StoreLayout.stagedSecretFile)
            guard try Self.fingerprint(new) == journal.newFingerprint else { throw .journalUnusable("machine_secret.next is not the journal's new secret") }
        } else if currentPrint == journal.newFingerprint {
            // Switched: the old key survives only in the retired copy (written before the switch).
            new = current
            old = exists(journal.retiredName) ? try loadSecret(journal.retiredName) : nil
            if let old, try Self.fingerprint(old) != journal.oldFingerprint { throw .journalUnusable("\(journal.retiredName) is not the journal's old secret") }
        } else {
            throw .secretMatchesNeither
        }
        let newKey = try key(new, hostname)
        if let old { try resignAll(oldKey: try key(old, hostname), newKey: options.dryRun ? nil : newKey, locks: locks) }
        guard !options.dryRun else { return report }
        var finishing = journal
        finishing.state = .switching
        try finish(finishing, old: old)
        return report
    }

    /// Steps 4 and 5: retire the old secret, switch, remove the journal. Each step is idempotent.
    mutating func finish(_ journal: RotationJournal, old: MachineSecret?) throws(RotationError) {
        if let old, !exists(journal.retiredName) {
            do throws(SystemCallError) {
                var copy = old.bytes.withUnsafeBytes { Array($0) }
                defer { copy.withUnsafeMutableBytes { SecureBytes.wipe($0) } }
                try AtomicFileWriter.write(copy, as: journal.retiredName, in: data)
            } catch { throw .system("writing \(journal.retiredName) failed: \(error)") }
            options.checkpoint?(.retired)
        }
        try writeJournal(journal)
        options.checkpoint?(.switching)
        if exists(StoreLayout.stagedSecretFile) {
            do { try data.rename(StoreLayout.stagedSecretFile, to: StoreLayout.secretFile, in: data) } catch {
                throw .system("replacing machine_secret with the new secret failed: \(error)")
            }
            try sync("after the switch")
            options.checkpoint?(.switched)
        }
        do { try data.unlink(StoreLayout.rotationJournal) } catch { throw .system("removing the rotation journal failed: \(error)") }
        try sync("after removing the journal")
        options.checkpoint?(.finished)
    }

    /// The negative control: switch first (no journal, no retired copy), then re-sign.
    mutating func runUnsafe(hostname: String) throws(RotationError) -> RotationReport {
        let old = try loadSecret(StoreLayout.secretFile)
        let oldKey = try key(old, hostname)
        _ = try? data.unlink(StoreLayout.stagedSecretFile)
        do { try MachineSecret.create(named: StoreLayout.stagedSecretFile, in: data, displayPath: path(StoreLayout.stagedSecretFile)) } catch {
            throw .secret(error)
        }
        let new = try loadSecret(StoreLayout.stagedSecretFile)
        do { try data.rename(StoreLayout.stagedSecretFile, to: StoreLayout.secretFile, in: data) } catch { throw .system("\(error)") }
        try sync("unsafe switch")
        let locks: FileDescriptor
        do { locks = try data.openTrustedDirectory(StoreLayout.locksDirectory, creating: true, as: .privateDirectory) } catch { throw .system("\(error)") }
        defer { _ = try? locks.close() }
        try resignAll(oldKey: oldKey, newKey: try key(new, hostname), locks: locks)
        return report
    }

    // MARK: - Sessions

    /// Every entry of `sessions/`, in name order: sessions under the old (or fallback) key are
    /// re-signed under `newKey` (nil: dry run, only counted); everything else is left alone and listed.
    mutating func resignAll(oldKey: SessionKey, newKey: SessionKey?, locks: FileDescriptor?) throws(RotationError) {
        let sessions: FileDescriptor
        do { sessions = try data.openTrustedDirectory(StoreLayout.sessionsDirectory, creating: false, as: .privateDirectory) } catch {
            if case let .system(error) = error, error.errno == .noSuchFileOrDirectory { return }
            throw .system("the sessions directory cannot be used: \(error)")
        }
        defer { _ = try? sessions.close() }
        let entries: [DirectoryEntry]
        do { entries = try sessions.entries().entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) } } catch {
            throw .system("the sessions directory cannot be listed: \(error)")
        }
        for entry in entries {
            guard let name = entry.name, let id = StoreLayout.sessionID(fileName: name) else {
                report.leftAlone.append(.init(name: DisplayText.escape(bytes: entry.nameBytes), reason: "not a session file"))
                continue
            }
            try resign(id, name: name, in: sessions, oldKey: oldKey, newKey: newKey, locks: locks)
            options.checkpoint?(.session(name))
        }
    }

    mutating func resign(_ id: SessionID, name: String, in sessions: FileDescriptor, oldKey: SessionKey, newKey: SessionKey?,
                         locks: FileDescriptor?) throws(RotationError) {
        guard let locks else { return try resignLocked(id, name: name, in: sessions, oldKey: oldKey, newKey: newKey) }
        try Self.locked(StoreLayout.lockFile(id), in: locks, timeout: options.lockTimeout, what: "session \(id.rawValue)") { () throws(RotationError) in
            try resignLocked(id, name: name, in: sessions, oldKey: oldKey, newKey: newKey)
        }
    }

    /// The fallback keys, derived on first use.
    mutating func fallback() -> FallbackKeys {
        if let fallbackKeys { return fallbackKeys }
        let keys = FallbackKeys(hostname: report.hostname, nodes: options.fallbackNodes)
        fallbackKeys = keys
        return keys
    }

    /// `resign` with the session's lock held (or in a dry run, none).
    mutating func resignLocked(_ id: SessionID, name: String, in sessions: FileDescriptor, oldKey: SessionKey, newKey: SessionKey?) throws(RotationError) {
        let bytes: [UInt8]
        do { bytes = try CheckedFileReader.read(name, in: sessions, policy: FilePolicy(maxBytes: 10 << 20, role: .sessionFile)).bytes } catch {
            report.leftAlone.append(.init(name: name, reason: "not read: \(error)"))
            return
        }
        if let newKey, SessionSignature.verify(fileBytes: bytes, key: newKey).verdict == .valid {
            report.alreadyNew.append(name)
            return
        }
        var verification = SessionSignature.verify(fileBytes: bytes, key: oldKey)
        var fromFallback = false
        // Under a fallback key: re-signed with --include-fallback; otherwise only named in the reason.
        var fallbackSigned = false
        if verification.verdict != .valid, options.includeFallback || verification.verdict == .invalid {
            let keys = fallback()
            if let match = bytes.withUnsafeBytes({ keys.match($0) }) {
                if options.includeFallback {
                    verification = match.verification
                    fromFallback = true
                } else {
                    fallbackSigned = true
                }
            }
        }
        guard verification.verdict == .valid else {
            var reason = "\(verification.verdict.rawValue) under the old key"
            if fallbackSigned {
                reason += "; it verifies under JidoCode's fallback key (JG080): --include-fallback re-signs it if you trust its content"
            }
            report.leftAlone.append(.init(name: name, reason: reason))
            return
        }
        guard verification.duplicateKeyCount == 0 else {
            report.leftAlone.append(.init(name: name, reason: "valid, but it repeats keys (JG033): re-signing would drop them; inspect it"))
            return
        }
        guard let newKey else {
            report.resigned.append(name)
            if fromFallback { report.resignedFromFallback.append(name) }
            return
        }
        let signed: [UInt8]
        do {
            guard case let .object(object) = try StrictJSONDecoder().decode(bytes).value else {
                report.leftAlone.append(.init(name: name, reason: "not a JSON object"))
                return
            }
            signed = try SessionSignature.signedFileBytes(for: object, key: newKey, order: verification.beamOrder ?? .jidoCodeDefault)
        } catch {
            report.leftAlone.append(.init(name: name, reason: "could not be re-encoded: \(error)"))
            return
        }
        do { try AtomicFileWriter.write(signed, as: name, in: sessions) } catch {
            throw .system("writing session \(name) failed: \(error)")
        }
        report.resigned.append(name)
        if fromFallback { report.resignedFromFallback.append(name) }
    }
}
