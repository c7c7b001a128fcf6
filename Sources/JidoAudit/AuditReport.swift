public import JidoCore

/// The recorded attributes of one audited entry (what a baseline keeps, as AIDE does).
public struct EntryRecord: Sendable, Equatable {
    /// Path relative to the data directory (`machine_secret`, `sessions/<id>.json`, `sessions`, `.`).
    public let name: String
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

    package init(name: String, status: FileStatus, sha256: String?, verdict: SignatureVerdict?) {
        self.init(name: name, device: status.device, inode: status.inode, owner: status.owner, group: status.group,
                  permissions: status.permissions, type: status.type, linkCount: status.linkCount, size: status.size,
                  modified: status.modified, changed: status.changed, sha256: sha256, verdict: verdict)
    }

    package init(name: String, device: UInt64, inode: UInt64, owner: UInt32, group: UInt32, permissions: FilePermissions,
                type: FileType, linkCount: UInt64, size: Int64, modified: FileTime, changed: FileTime, sha256: String?,
                verdict: SignatureVerdict?) {
        self.name = name
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
    }
}

/// Everything one audit run found and measured.
public struct AuditReport: Sendable {
    /// Version of the JSON report schema (`--format json`); bumped on any incompatible change.
    public static let schemaVersion = 1

    public let home: String
    public let dataDirectory: String
    /// Why the audit could not run (the report is then empty); nil when it ran. Set by the caller
    /// that caught the `AuditFailure`, so that machine-readable outputs still carry a document.
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

    public init(home: String, dataDirectory: String) {
        self.home = home
        self.dataDirectory = dataDirectory
    }

    /// The most findings a report lists; past it they are only counted (`unlisted`), so a store of
    /// hostile files cannot make the report (and its memory) grow without bound.
    public static let maxListedFindings = 10_000
    /// Findings counted but not listed, by severity (they count for the exit status and the summary).
    public internal(set) var unlisted: [Severity: Int] = [:]

    mutating func add(_ rule: Rule, _ path: String, _ message: String) {
        add(Finding(rule, path: path, message))
    }

    mutating func add(_ rule: Rule, pathBytes: [UInt8], _ message: String) {
        add(Finding(rule, pathBytes: pathBytes, message))
    }

    private mutating func add(_ finding: Finding) {
        guard findings.count < Self.maxListedFindings else {
            unlisted[finding.severity, default: 0] += 1
            return
        }
        findings.append(finding)
    }

    /// Findings of `severity`, listed or not.
    public func total(_ severity: Severity) -> Int { findings.filter { $0.severity == severity }.count + (unlisted[severity] ?? 0) }

    /// How many findings were counted but not listed.
    public var unlistedCount: Int { unlisted.values.reduce(0, +) }

    /// Findings at or above `severity`.
    public func count(atLeast severity: Severity) -> Int { Severity.allCases.filter { $0 >= severity }.map(total).reduce(0, +) }

    /// Findings sorted by severity (errors first), then path, then rule id: the order reports use.
    public var sortedFindings: [Finding] {
        findings.sorted { ($1.severity, $0.path, $0.rule.id) < ($0.severity, $1.path, $1.rule.id) }
    }
}
