import Glibc
public import JidoCore

/// What to audit and how.
public struct AuditConfiguration: Sendable {
    /// The home directory whose `.jido_code/` is audited, as bytes (it need not be UTF-8).
    public var homePath: PathBytes
    /// A secret to verify with instead of the store's own (a store copied from another machine).
    public var secretFilePath: PathBytes?
    /// `homePath` as text (set: UTF-8; get: invalid bytes as U+FFFD).
    public var home: String {
        get { homePath.description }
        set { homePath = PathBytes(newValue) }
    }
    /// `secretFilePath` as text (set: UTF-8; get: invalid bytes as U+FFFD).
    public var secretFile: String? {
        get { secretFilePath?.description }
        set { secretFilePath = newValue.map { PathBytes($0) } }
    }
    /// The hostname the store was signed on (default: this machine's).
    public var hostname: String?
    /// Session count at which `session-count-limit` fires.
    public var maxSessions = 100
    /// Age in days after which a closed session is `session-cleanup-eligible`.
    public var cleanupDays = 30
    /// Largest session file read.
    public var maxFileBytes = 10 << 20
    /// Seconds since the epoch the cleanup age is measured from.
    public var now: Int = Int(time(nil))
    /// Record every entry under the data directory, with the SHA-256 of regular files, in the
    /// report's `entries` (for baselines; costs one more pass over the bytes, and a walk of the tree).
    public var hashContents = false
    /// The most entries recorded with `hashContents` (`Baseline.maxEntries`; past it the rest are
    /// reported as `baseline-incomplete`).
    public var maxRecordedEntries = Baseline.maxEntries
    /// Entries of `sessions/` audited at once, on this many threads (default: the processors online).
    /// The report is the same whatever the number: entries are merged in name order.
    public var jobs = ParallelMap.availableCores
    /// Called after each session file with (done, total), on the calling thread, in name order; for
    /// progress on a terminal.
    public var progress: (@Sendable (Int, Int) -> Void)?

    /// The user whose store this is: the files must be theirs. nil: the effective user, or, when
    /// running as root, the owner of the home directory (so root can audit another user's store
    /// without every file reported as someone else's).
    public var owner: UInt32?

    /// Findings accepted by `--ignore` or the suppressions file: still reported, marked, not counted.
    public var suppressions = Suppressions()

    /// Node names (beside `nonode@nohost`) tried for JidoCode's fallback key (JG080, JG081): a
    /// JidoCode run distributed as `--node NAME`.
    public var fallbackNodes: [String] = []

    public init(home: String) { self.init(home: PathBytes(home)) }
    public init(home: PathBytes) { homePath = home }
}

/// The audit could not run at all (exit status 3).
public struct AuditFailure: Error, Sendable, CustomStringConvertible {
    /// The reason, with a NUL where `path` goes when it is about a path.
    let template: String
    let path: PathBytes?

    public init(description: String) {
        template = description
        path = nil
    }

    /// A reason about `path`: `template` has a NUL where the path goes.
    init(_ template: String, path: PathBytes) {
        self.template = template
        self.path = path
    }

    /// The reason as text (a path's invalid UTF-8 as U+FFFD).
    public var description: String {
        guard let path else { return template }
        return template.split(separator: "\0", omittingEmptySubsequences: false).joined(separator: path.description)
    }

    /// The reason as every output prints it (`DisplayText`; a path shown reversibly, byte for byte).
    public var displayText: String {
        guard let path else { return DisplayText.escape(template) }
        return DisplayText.escape(template, insertingAtNUL: path.bytes)
    }
}

/// Audits a JidoCode data directory: directories, machine secret, every session entry.
///
/// Nothing is followed and nothing blocks: entries are looked at with `fstatat(AT_SYMLINK_NOFOLLOW)`;
/// only regular files are opened, with O_NOFOLLOW|O_NONBLOCK, relative to directory descriptors held
/// for the whole run; the descriptor's identity must equal the scan's (device, inode, owner, group,
/// mode, type) or the entry is reported as changed during the audit and its content is not trusted.
/// The key is derived once; each file is read once.
public enum Auditor {
    public static func run(_ configuration: AuditConfiguration) throws(AuditFailure) -> AuditReport {
        let started = MonotonicClock.now
        var run = AuditRun(configuration)
        run.reportExpiredSuppressions()
        try run.audit()
        run.report.duration = MonotonicClock.now - started
        return run.report
    }
}

/// The state of one audit.
struct AuditRun {
    let configuration: AuditConfiguration
    var report: AuditReport
    var key: SessionKey?
    /// Derives the key of the secret in use for another hostname (for `suggestHostname`).
    var keyFor: (@Sendable (String) -> SessionKey?)?
    var hostnameProbe = HostnameProbe()
    /// JidoCode's fallback keys for the hostnames it could use here, derived on first need (`FallbackKeys`),
    /// once for every thread of the run.
    let fallbackKeys: FallbackKeys.Lazy
    /// The user the store must belong to (see `AuditConfiguration.owner`).
    var user: UInt32
    /// Every session file this run (or this thread of it) reads goes into this one buffer (the secret
    /// into its own, wiped after).
    let readBuffer = ReadBuffer(capacity: 1 << 17)

    init(_ configuration: AuditConfiguration, fallbackKeys: FallbackKeys.Lazy = FallbackKeys.Lazy()) {
        user = configuration.owner ?? ProcessIdentity.effectiveUser
        self.configuration = configuration
        self.fallbackKeys = fallbackKeys
        report = AuditReport(home: configuration.homePath, dataDirectory: StoreLayout.dataPath(home: configuration.homePath))
        report.suppressions = configuration.suppressions
        report.today = configuration.now >= 0 ? configuration.now / 86_400 : (configuration.now - 86_399) / 86_400
    }

    /// One finding per entry of the suppressions file past its expiry date: it suppresses nothing
    /// any more, and the user should know why findings came back.
    mutating func reportExpiredSuppressions() {
        let suppressions = report.suppressions
        guard let file = suppressions.file else { return }
        for entry in suppressions.expired(today: report.today) {
            let what = (entry.rules.isEmpty ? [] : ["rule=" + entry.rules.joined(separator: ",")])
                + (entry.path.map { ["path=" + $0] } ?? [])
            report.add(Rules.suppressionExpired, file,
                       "line \(entry.line) (\(what.joined(separator: " "))) expired after \(entry.expires ?? ""); it no longer suppresses anything")
        }
    }

    var dataPath: PathBytes { report.dataDirectoryPath }

    mutating func audit() throws(AuditFailure) {
        let homeFD: FileDescriptor
        do {
            homeFD = try FileDescriptor.open(configuration.homePath, [.readOnly, .directory, .closeOnExec])
        } catch {
            throw AuditFailure("cannot open the home directory \0: \(error.errno)", path: configuration.homePath)
        }
        defer { _ = try? homeFD.close() }
        if configuration.owner == nil, ProcessIdentity.effectiveUser == 0, let home = try? homeFD.status() { user = home.owner }
        report.owner = user
        checkAncestors(of: configuration.homePath, homeFD: homeFD)
        guard let dataFD = openDirectory(StoreLayout.dataDirectory, in: homeFD, path: dataPath, record: ".") else { return }
        defer { _ = try? dataFD.close() }
        try loadKey(dataFD: dataFD)
        auditDataEntries(dataFD)
        let sessionsPath = dataPath.appending(StoreLayout.sessionsDirectory)
        let sessionsFD = openDirectory(StoreLayout.sessionsDirectory, in: dataFD, path: sessionsPath,
                                       record: StoreLayout.sessionsDirectory, missingIsFine: true)
        defer { if let sessionsFD { _ = try? sessionsFD.close() } }
        // locks/ is a store directory like the others: type, owner and mode checked, fixable.
        let locksFD = openDirectory(StoreLayout.locksDirectory, in: dataFD, path: dataPath.appending(StoreLayout.locksDirectory),
                                    record: StoreLayout.locksDirectory, missingIsFine: true)
        defer { if let locksFD { _ = try? locksFD.close() } }
        if let sessionsFD {
            auditSessions(sessionsFD, path: sessionsPath, locksFD: locksFD)
            suggestHostname(sessionsPath: sessionsPath)
        }
        if let locksFD { auditLocks(locksFD, sessionsFD: sessionsFD) }
        if configuration.hashContents { recordInventory(dataFD: dataFD) }
    }

    /// The entries directly in the data directory: the secret, `sessions/` and `locks/` are audited
    /// on their own, JidoCode's `settings.json` is left alone; anything else is reported.
    mutating func auditDataEntries(_ dataFD: FileDescriptor) {
        let entries: [DirectoryEntry]
        do { entries = try dataFD.entries().entries } catch {
            report.add(Rules.sessionUnreadable, dataPath, "the data directory cannot be listed: \(error)")
            return
        }
        let known: Set<String> = [StoreLayout.secretFile, StoreLayout.sessionsDirectory, StoreLayout.locksDirectory, StoreLayout.settingsFile]
        for entry in entries.sorted(by: { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }) {
            let path = dataPath.appending(PathBytes(bytes: entry.nameBytes))
            guard let name = entry.name else {
                report.add(Rules.strayFile, path, "name is not valid UTF-8; never opened")
                continue
            }
            guard !known.contains(name) else { continue }
            if name == StoreLayout.rotationJournal {
                report.add(Rules.rotationUnfinished, path, "a secret rotation was interrupted: run jido-audit rotate-secret --resume before starting JidoCode")
                continue
            }
            if name == StoreLayout.stagedSecretFile {
                let journal = (try? dataFD.status(of: StoreLayout.rotationJournal)) != nil
                report.add(journal ? Rules.rotationUnfinished : Rules.strayFile, path, journal
                    ? "the new secret of the unfinished rotation (it replaces machine_secret when the rotation finishes)"
                    : "the new secret of a rotation interrupted before it began; the next rotate-secret removes it")
                continue
            }
            if StoreLayout.isRetiredSecret(name) { continue } // kept by rotate-secret: old copies of sessions verify with it
            let what = (try? dataFD.status(of: name)).map { "a \($0.type.rawValue)" } ?? "an entry"
            if AtomicFileWriter.target(ofTemporary: name) == StoreLayout.secretFile {
                report.add(Rules.strayFile, path, "\(what): a temporary of the machine secret's creation, left behind or in progress")
            } else {
                report.add(Rules.strayFile, path, "\(what) that neither JidoCode nor the store writes in the data directory")
            }
        }
    }

    /// When most signatures fail under the hostname used, one finding naming the `--hostname` under
    /// which they verify (never a silent switch of key: the verdicts above stay those of the name used).
    /// Without such a name, the report's hint says what else to check.
    mutating func suggestHostname(sessionsPath: PathBytes) {
        guard let used = report.hostname, hostnameProbe.mostSignaturesFail else { return }
        guard let keyFor,
              let working = hostnameProbe.matchingHostname(candidates: HostnameProbe.machineCandidates(), used: used, key: keyFor)
        else {
            report.hint = hostnameProbe.adviceWithoutMatch(used: used)
            return
        }
        report.hostnameSuggestion = working
        report.hint = hostnameProbe.advice(used: used, working: working)
        report.add(Rules.hostnameMismatch, sessionsPath, hostnameProbe.advice(used: used, working: working))
    }

    /// Lock files of sessions that no longer exist, and that nobody holds.
    /// Anything else in `locks/` than lock files of sessions and the store lock is reported.
    mutating func auditLocks(_ locksFD: FileDescriptor, sessionsFD: FileDescriptor?) {
        let locksPath = dataPath.appending(StoreLayout.locksDirectory)
        guard let entries = try? locksFD.entries().entries else { return }
        for entry in entries.sorted(by: { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }) {
            guard let name = entry.name else {
                report.add(Rules.strayFile, locksPath.appending(PathBytes(bytes: entry.nameBytes)), "name is not valid UTF-8; never opened")
                continue
            }
            if name == StoreLayout.storeLock { continue }
            guard let id = StoreLayout.sessionID(lockName: name) else {
                report.add(Rules.strayFile, locksPath.appending(name), "not a lock file of the store")
                continue
            }
            // Never opened unless it is a regular file (`FileLock.isHeld` checks again).
            if let status = try? locksFD.status(of: name), status.type != .regular {
                report.add(Rules.lockNotRegular, locksPath.appending(name), "is a \(status.type.rawValue); never opened")
                continue
            }
            let sessionExists = (try? sessionsFD?.status(of: StoreLayout.sessionFile(id))) != nil
            if !sessionExists && !FileLock.isHeld(name, in: locksFD) {
                report.add(Rules.staleLockFile, locksPath.appending(name), "lock file of a session that no longer exists")
            }
        }
    }

    // MARK: - Directories

    /// The home directory must meet `TrustRole.workingDirectory` (owned by the user or root, not
    /// writable by group or others: StrictModes); every directory above it, `TrustRole.ancestor`
    /// (the same, except that a sticky directory may be writable by others).
    mutating func checkAncestors(of home: PathBytes, homeFD: FileDescriptor) {
        if let status = try? homeFD.status() {
            reportTrust(FileTrust(.workingDirectory, user: user).violations(of: status), of: .home, home)
        }
        guard let ancestors = try? FileTrust.directories(above: home) else { return }
        for (path, status) in ancestors {
            reportTrust(FileTrust(.ancestor, user: user).violations(of: status), of: .ancestor, path)
        }
    }

    /// Looks at `name` without following it, opens it as a directory with O_NOFOLLOW, compares the
    /// two identities and checks owner and mode. nil when it cannot be audited further.
    mutating func openDirectory(_ name: String, in parent: FileDescriptor, path: PathBytes, record: String,
                                missingIsFine: Bool = false) -> FileDescriptor? {
        let scanned: FileStatus
        do {
            scanned = try parent.status(of: name)
        } catch {
            if error.errno == .noSuchFileOrDirectory {
                if !missingIsFine { report.add(Rules.dataDirectoryMissing, path, "does not exist") }
            } else {
                report.add(Rules.sessionUnreadable, path, "cannot be examined: \(error)")
            }
            return nil
        }
        // Evaluated on the scan; the open below must find the same owner, mode and type.
        let violations = FileTrust(.privateDirectory, user: user).violations(of: scanned)
        if case .wrongType? = violations.first {
            reportTrust(violations, of: .storeDirectory, path)
            return nil
        }
        let fd: FileDescriptor
        do {
            fd = try parent.open(name, [.readOnly, .directory, .noFollow, .closeOnExec])
        } catch {
            report.add(Rules.changedDuringAudit, path, "could not be opened as the directory the scan saw: \(error)")
            return nil
        }
        guard let opened = try? fd.status(), identityMatches(scanned, opened, path) else {
            _ = try? fd.close()
            return nil
        }
        reportTrust(violations, of: .storeDirectory, path)
        report.entries.append(EntryRecord(name: record, status: opened, sha256: nil, verdict: nil))
        return fd
    }

    /// Reports a TOCTOU mismatch between the scan's `lstat` and the descriptor's `fstat`. For files
    /// the change time and size are compared too: a file replaced by a new one can reuse the freed
    /// inode number, never its ctime.
    mutating func identityMatches(_ scanned: FileStatus, _ opened: FileStatus, _ path: PathBytes) -> Bool {
        var differences = scanned.identity.differences(from: opened.identity)
        if scanned.type == .regular {
            if scanned.changed != opened.changed { differences.append("ctime") }
            if scanned.size != opened.size { differences.append("size") }
        }
        guard differences.isEmpty else {
            report.add(Rules.changedDuringAudit, path, "\(differences.joined(separator: ", ")) changed between the scan and the open")
            return false
        }
        return true
    }

    // MARK: - Secret

    /// Checks the store's secret (reading it even when its mode is wrong, to report and still
    /// verify), then derives the key once, from `--secret-file` if given.
    mutating func loadKey(dataFD: FileDescriptor) throws(AuditFailure) {
        let path = dataPath.appending(StoreLayout.secretFile)
        // The secret lives only in wiped storage: the read buffer, then one `SecureBytes` (never a
        // plain array, whose copies nothing wipes).
        var secret: SecureBytes?
        var fallbackForm = false
        let secretBuffer = ReadBuffer(capacity: MachineSecret.maximumBytes + 1)
        defer { secretBuffer.wipe() }
        if let status = readEntry(StoreLayout.secretFile, in: dataFD, path: path, maxBytes: MachineSecret.maximumBytes,
                                  isSecret: true, into: secretBuffer) {
            let count = secretBuffer.withBytes { $0.count }
            report.entries.append(EntryRecord(name: StoreLayout.secretFile, status: status,
                                              sha256: configuration.hashContents ? secretBuffer.withBytes { Self.sha256Hex($0) } : nil, verdict: nil))
            if count < MachineSecret.minimumBytes {
                report.add(Rules.secretTooShort, path, "\(count) bytes; at least \(MachineSecret.minimumBytes) are required")
            } else {
                let standard = count == 64 && secretBuffer.withBytes { $0.allSatisfy(Hex.isLowercaseDigit) }
                if secretBuffer.withBytes({ FallbackSecret.hasFallbackForm($0) }) {
                    fallbackForm = true // JG081, once the hostname is known
                } else if !standard {
                    report.add(Rules.secretNonStandard, path, "\(count) bytes, not 64 lower-case hex characters")
                }
                secret = secretBuffer.withBytes { SecureBytes(copying: $0) }
            }
        }
        let hostname: String
        do { hostname = try configuration.hostname ?? Hostname.current() } catch {
            throw AuditFailure(description: "cannot read this machine's hostname (\(error)); pass --hostname")
        }
        report.hostname = hostname
        if fallbackForm { reportFallbackFormSecret(secretBuffer, path: path) }
        if let secretFile = configuration.secretFilePath {
            do {
                let secret = try MachineSecret.load(file: secretFile)
                key = try secret.sessionKey(hostname: hostname)
                report.secretFingerprint = try? SecretFingerprint.of(secret: secret)
                report.secretFile = secretFile
                keyFor = { try? secret.sessionKey(hostname: $0) }
            } catch let error as MachineSecretError {
                throw AuditFailure("--secret-file: " + error.description(path: "\0"), path: error.pathBytes)
            } catch {
                throw AuditFailure(description: "--secret-file: \(error)")
            }
        } else if let secret {
            key = secret.withUnsafeBytes { try? SessionKeyCache.shared.key(machineSecret: $0, hostname: hostname) }
            report.secretFingerprint = secret.withUnsafeBytes { try? SecretFingerprint.of(secret: $0) }
            report.secretFile = path
            keyFor = { name in secret.withUnsafeBytes { try? SessionKeyCache.shared.key(machineSecret: $0, hostname: name) } }
        }
    }

    // MARK: - Files

    /// The scan-then-open protocol for one regular file: `fstatat(NOFOLLOW)`; type, links, owner
    /// and mode findings; O_NOFOLLOW|O_NONBLOCK open; identity comparison; bounded read into
    /// `buffer` whose length must match `fstat`. The descriptor's status, with the content in
    /// `buffer`; nil when the content cannot be trusted or read.
    mutating func readEntry(_ name: String, in directory: FileDescriptor, path: PathBytes, maxBytes: Int,
                            isSecret: Bool, into buffer: ReadBuffer) -> FileStatus? {
        let scanned: FileStatus
        do {
            scanned = try directory.status(of: name)
        } catch {
            if error.errno == .noSuchFileOrDirectory {
                if isSecret && configuration.secretFile == nil {
                    report.add(Rules.secretMissing, path, "does not exist")
                } else if !isSecret {
                    report.add(Rules.changedDuringAudit, path, "disappeared during the audit")
                }
            } else {
                report.add(isSecret ? Rules.secretUnreadable : Rules.sessionUnreadable, path, "cannot be examined: \(error)")
            }
            return nil
        }
        let kind: AuditedKind = isSecret ? .secret : .session
        // The summary's "session files" are the regular files named like a session.
        if !isSecret, scanned.type == .regular { report.sessionFiles += 1 }
        let violations = FileTrust(kind.role, user: user).violations(of: scanned)
        reportTrust(violations, of: kind, path)
        if case .wrongType? = violations.first { return nil } // never opened or followed (the inventory records it)
        guard scanned.size <= Int64(maxBytes) else {
            report.add(isSecret ? Rules.secretUnreadable : Rules.sessionTooLarge, path, "\(scanned.size) bytes, more than \(maxBytes); not read")
            return nil
        }
        let fd: FileDescriptor
        do {
            fd = try directory.open(name, .hardenedRead)
        } catch {
            if error.errno == .tooManySymbolicLinks || error.errno == .noSuchFileOrDirectory {
                report.add(Rules.changedDuringAudit, path, "replaced between the scan and the open (\(error.errno)); not followed")
            } else {
                report.add(isSecret ? Rules.secretUnreadable : Rules.sessionUnreadable, path, "cannot be opened: \(error)")
            }
            return nil
        }
        return fd.closeAfter { fd in
            guard let opened = try? fd.status(), identityMatches(scanned, opened, path) else { return nil }
            let exceededLimit: Bool
            do { exceededLimit = try buffer.fill(from: fd, limit: maxBytes, sizeHint: Int(opened.size)) } catch {
                report.add(isSecret ? Rules.secretUnreadable : Rules.sessionUnreadable, path, "cannot be read: \(error)")
                return nil
            }
            guard !exceededLimit, buffer.count == Int(opened.size) else {
                report.add(Rules.changedDuringAudit, path, "its size changed while it was read")
                return nil
            }
            report.bytesRead += buffer.count
            return opened
        }
    }

    // MARK: - Trust findings

    /// Adds one finding per violation: `FileTrust` returns them all, and each is a finding.
    mutating func reportTrust(_ violations: [TrustViolation], of kind: AuditedKind, _ path: PathBytes) {
        for violation in violations {
            if let (rule, message) = finding(for: violation, of: kind) { report.add(rule, path, message) }
        }
    }

    /// The rule and message of a trust violation of `kind`; nil for one `FileTrust` never reports
    /// for that kind's role (links are only counted on regular files; reads only checked on files
    /// and store directories).
    func finding(for violation: TrustViolation, of kind: AuditedKind) -> (Rule, String)? {
        switch (violation, kind) {
        case let (.wrongType(type), .storeDirectory): (Rules.notARealDirectory, "is a \(type.rawValue), not a directory; not followed")
        case let (.wrongType(type), .secret): (Rules.secretNotRegular, "is a \(type.rawValue); never opened or followed")
        case let (.wrongType(type), .session): (Rules.sessionNotRegular, "is a \(type.rawValue); never opened or followed")
        case let (.wrongType(type), .home), let (.wrongType(type), .ancestor):
            (Rules.parentInsecure, "is a \(type.rawValue), not a directory")

        case let (.wrongOwner(owner, _), .home): (Rules.parentInsecure, "home directory is owned by uid \(owner), not by you or root")
        case let (.wrongOwner(owner, _), .ancestor): (Rules.parentInsecure, "owned by uid \(owner), not by you or root")
        case let (.wrongOwner(owner, expected), .storeDirectory):
            (Rules.directoryWrongOwner, "owned by uid \(owner), not by you (uid \(expected))")
        case let (.wrongOwner(owner, expected), .secret): (Rules.secretWrongOwner, "owned by uid \(owner), not by you (uid \(expected))")
        case let (.wrongOwner(owner, expected), .session): (Rules.sessionWrongOwner, "owned by uid \(owner), not by you (uid \(expected))")

        case let (.hardLinked(count), .secret): (Rules.secretHardLinked, "\(count) hard links")
        case let (.hardLinked(count), .session): (Rules.sessionHardLinked, "\(count) hard links")
        case (.hardLinked, .home), (.hardLinked, .ancestor), (.hardLinked, .storeDirectory): nil

        case let (.writableByOthers(mode), .home): (Rules.parentInsecure, "home directory has mode \(mode): group or others can write to it")
        case let (.writableByOthers(mode), .ancestor): (Rules.ancestorWorldWritable, "mode \(mode): others can write without the sticky bit")
        case let (.writableByOthers(mode), .storeDirectory): (Rules.directoryWritableByOthers, "mode \(mode): group or others can write")
        case let (.writableByOthers(mode), .secret), let (.readableByOthers(mode), .secret):
            (Rules.secretPermissions, "mode \(mode): group or others have access")
        case let (.writableByOthers(mode), .session): (Rules.sessionWritableByOthers, "mode \(mode): group or others can write")

        case let (.readableByOthers(mode), .storeDirectory):
            (Rules.directoryReadableByOthers, "mode \(mode): group or others can list it; 0700 is recommended")
        case let (.readableByOthers(mode), .session):
            (Rules.sessionReadableByOthers, mode.isDisjoint(with: .otherRead)
                ? "mode \(mode): conversation readable by the file's group" : "mode \(mode): conversation readable by every local user")
        case (.readableByOthers, .home), (.readableByOthers, .ancestor): nil
        }
    }

    /// The name of `path` below the data directory (its entries' names are UTF-8: others are never opened).
    func relativeName(_ path: PathBytes) -> String {
        (path.relative(to: dataPath) ?? path).description
    }

    static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard let digest = try? SHA256.hash(bytes) else { return nil }
        return Hex.lowercase(digest)
    }
}

/// What an audited path is: the role it is evaluated in, and the rules its violations map to.
enum AuditedKind {
    case home, ancestor, storeDirectory, secret, session

    var role: TrustRole {
        switch self {
        case .home: .workingDirectory
        case .ancestor: .ancestor
        case .storeDirectory: .privateDirectory
        case .secret: .secret
        case .session: .sessionFile
        }
    }
}
