public import JidoCore

/// The recorded attributes of one entry under the data directory (what a baseline keeps, as AIDE
/// does): every entry, of any type and any name.
public struct EntryRecord: Sendable, Equatable {
    /// Path relative to the data directory (`machine_secret`, `sessions/<id>.json`, `sessions`, `.`),
    /// as bytes: a name on disk need not be UTF-8.
    public let nameBytes: [UInt8]
    public let device: UInt64
    public let inode: UInt64
    public let owner: UInt32
    public let group: UInt32
    public let permissions: FilePermissions
    public let type: FileType
    public let linkCount: UInt64
    public let size: Int64
    package let modified: FileTime
    package let changed: FileTime
    /// Hex SHA-256 of the content (regular files that were read), else nil.
    public let sha256: String?
    /// The signature verdict (session files that were read), else nil.
    public let verdict: SignatureVerdict?
    /// What a symbolic link points to, as bytes (read with `readlinkat`, never followed), else nil.
    public let linkTarget: [UInt8]?

    /// The name as text (bytes that are not UTF-8 become U+FFFD: for matching, never for opening).
    public var name: String { String(decoding: nameBytes, as: UTF8.self) }
    /// Whether the name is valid UTF-8 (then `name` is exact and the entry can be opened by it).
    public var hasTextName: Bool { String(validating: nameBytes, as: UTF8.self) != nil }

    package init(name: String, status: FileStatus, sha256: String?, verdict: SignatureVerdict?) {
        self.init(nameBytes: Array(name.utf8), status: status, sha256: sha256, verdict: verdict)
    }

    package init(nameBytes: [UInt8], status: FileStatus, sha256: String?, verdict: SignatureVerdict?, linkTarget: [UInt8]? = nil) {
        self.init(nameBytes: nameBytes, device: status.device, inode: status.inode, owner: status.owner, group: status.group,
                  permissions: status.permissions, type: status.type, linkCount: status.linkCount, size: status.size,
                  modified: status.modified, changed: status.changed, sha256: sha256, verdict: verdict, linkTarget: linkTarget)
    }

    package init(name: String, device: UInt64, inode: UInt64, owner: UInt32, group: UInt32, permissions: FilePermissions,
                 type: FileType, linkCount: UInt64, size: Int64, modified: FileTime, changed: FileTime, sha256: String?,
                 verdict: SignatureVerdict?, linkTarget: [UInt8]? = nil) {
        self.init(nameBytes: Array(name.utf8), device: device, inode: inode, owner: owner, group: group, permissions: permissions,
                  type: type, linkCount: linkCount, size: size, modified: modified, changed: changed, sha256: sha256,
                  verdict: verdict, linkTarget: linkTarget)
    }

    package init(nameBytes: [UInt8], device: UInt64, inode: UInt64, owner: UInt32, group: UInt32, permissions: FilePermissions,
                 type: FileType, linkCount: UInt64, size: Int64, modified: FileTime, changed: FileTime, sha256: String?,
                 verdict: SignatureVerdict?, linkTarget: [UInt8]? = nil) {
        self.nameBytes = nameBytes
        self.device = device
        self.inode = inode
        self.owner = owner
        self.group = group
        self.permissions = permissions
        self.type = type
        self.linkCount = linkCount
        self.size = size
        self.modified = modified
        self.changed = changed
        self.sha256 = sha256
        self.verdict = verdict
        self.linkTarget = linkTarget
    }
}

/// Everything one audit run found and measured.
public struct AuditReport: Sendable {
    /// Version of the JSON report schema (`--format json`); bumped on any incompatible change.
    public static let schemaVersion = 1

    /// The home directory audited, as given, and its data directory, as bytes (they need not be UTF-8).
    public let homePath: PathBytes
    public let dataDirectoryPath: PathBytes
    /// `homePath` and `dataDirectoryPath` as text (invalid UTF-8 as U+FFFD: for matching, not printing).
    public var home: String { homePath.description }
    public var dataDirectory: String { dataDirectoryPath.description }
    /// Why the audit could not run (the report is then empty), as printed (`AuditFailure.displayText`,
    /// already escaped); nil when it ran. Set by the caller that caught the `AuditFailure`, so that
    /// machine-readable outputs still carry a document.
    public var failure: String?
    /// The uid the store's files were required to belong to.
    public internal(set) var owner: UInt32 = ProcessIdentity.effectiveUser
    public internal(set) var findings: [Finding] = []
    public internal(set) var entries: [EntryRecord] = []
    /// Regular files named `<uuid>.json` in `sessions/` (a link or FIFO with such a name is reported,
    /// not counted).
    public internal(set) var sessionFiles = 0
    public internal(set) var bytesRead = 0
    public internal(set) var verdicts: [SignatureVerdict: Int] = [:]
    /// The hostname the signing key is derived with (nil when the audit stopped before choosing it).
    public internal(set) var hostname: String?
    /// Another hostname under which the failing signatures verify (see `Rules.hostnameMismatch`).
    public internal(set) var hostnameSuggestion: String?
    /// Seconds the audit took.
    public internal(set) var duration: Double = 0
    /// The `SecretFingerprint` of the secret the key was derived from (nil: no secret was usable).
    public internal(set) var secretFingerprint: String?
    /// The file that secret was read from (the store's `machine_secret`, or `--secret-file`).
    public internal(set) var secretFile: PathBytes?
    /// One sentence for a person when most signatures fail: the `--hostname` that works
    /// (`HostnameProbe.advice`), or what to check when no name of this machine does.
    public internal(set) var hint: String?

    /// What findings are accepted; applied to each finding as it is added.
    public internal(set) var suppressions = Suppressions()
    /// The day suppressions are evaluated on (days since 1970-01-01, UTC): an entry past its
    /// expiry date no longer applies.
    public internal(set) var today = 0

    public init(home: PathBytes, dataDirectory: PathBytes) {
        homePath = home
        dataDirectoryPath = dataDirectory
    }

    public init(home: String, dataDirectory: String) {
        self.init(home: PathBytes(home), dataDirectory: PathBytes(dataDirectory))
    }

    /// The most findings a report lists; past it they are only counted (`unlisted`), so a store of
    /// hostile files cannot make the report (and its memory) grow without bound.
    public static let maxListedFindings = 10_000
    /// Findings counted but not listed, by severity (they count for the exit status and the summary).
    /// Suppressed ones are counted in `unlistedSuppressed` instead.
    public internal(set) var unlisted: [Severity: Int] = [:]
    public internal(set) var unlistedSuppressed = 0

    mutating func add(_ rule: Rule, _ path: String, _ message: String) {
        add(Finding(rule, path: path, message))
    }

    mutating func add(_ rule: Rule, _ path: PathBytes, _ message: String) {
        add(Finding(rule, pathBytes: path.bytes, message))
    }

    private mutating func add(_ finding: Finding) {
        var finding = finding
        if !suppressions.isEmpty {
            finding.suppression = suppressions.suppression(ruleID: finding.rule.id, path: relativePath(finding.pathBytes), today: today)
        }
        guard findings.count < Self.maxListedFindings else {
            if finding.suppression != nil {
                unlistedSuppressed += 1
            } else {
                unlisted[finding.severity, default: 0] += 1
            }
            return
        }
        findings.append(finding)
    }

    /// `path` relative to the data directory (`.` for the directory itself), or `path` itself when
    /// it is outside: what suppression patterns are matched against.
    public func relativePath(_ path: [UInt8]) -> [UInt8] {
        let data = Array(dataDirectory.utf8)
        if path == data { return Array(".".utf8) }
        guard path.count > data.count + 1, path.starts(with: data), path[data.count] == UInt8(ascii: "/") else { return path }
        return Array(path[(data.count + 1)...])
    }

    /// Findings of `severity` that count (not suppressed), listed or not.
    public func total(_ severity: Severity) -> Int {
        findings.filter { $0.severity == severity && $0.suppression == nil }.count + (unlisted[severity] ?? 0)
    }

    /// Findings that a suppression accepted, listed or not.
    public var suppressedCount: Int { findings.filter { $0.suppression != nil }.count + unlistedSuppressed }

    /// How many findings were counted but not listed.
    public var unlistedCount: Int { unlisted.values.reduce(0, +) + unlistedSuppressed }

    /// Findings at or above `severity` that count (suppressed ones never do).
    public func count(atLeast severity: Severity) -> Int { Severity.allCases.filter { $0 >= severity }.map(total).reduce(0, +) }

    /// Findings sorted by severity (errors first), then path, then rule id: the order reports use.
    public var sortedFindings: [Finding] {
        findings.sorted { ($1.severity, PathBytes(bytes: $0.pathBytes), $0.rule.id) < ($0.severity, PathBytes(bytes: $1.pathBytes), $1.rule.id) }
    }
}
