public import JidoCore

/// `--fix`: the only repairs made automatically are mode tightenings, and only safely.
///
/// Each repair removes every group/other permission bit (so a 0644 session becomes 0600, a 0755
/// directory 0700, a 0640 secret 0600) through a descriptor: the entry is opened relative to the
/// data directory's descriptor with O_NOFOLLOW (directories also O_DIRECTORY), its `fstat` must show
/// the device and inode the audit recorded, the expected type, the effective user as owner and, for a
/// file, exactly one link, and only then `fchmod` runs. A file with more than one hard link is never
/// changed (the mode belongs to the inode, and its other name may be anyone's, outside the store): it
/// is reported. A path is never chmod'ed by name, nothing is deleted or re-signed, and running it
/// twice changes nothing the second time.
public enum Fixer {
    /// One planned repair.
    public struct Repair: Sendable, Equatable {
        /// Path relative to the data directory (`.` for the directory itself).
        public let name: String
        /// The entry's full path, as bytes (the home need not be UTF-8).
        public let pathBytes: PathBytes
        /// `pathBytes` as text (invalid UTF-8 as U+FFFD: print `pathBytes` with `DisplayText`).
        public var path: String { pathBytes.description }
        public let from: FilePermissions
        public let to: FilePermissions
        /// The owner the audit required (the effective user, or the audited user for root).
        let owner: UInt32
        let device: UInt64
        let inode: UInt64
        let type: FileType
    }

    /// What a fix run did for one repair.
    public struct Outcome: Sendable, Equatable {
        public let repair: Repair
        /// nil when applied (or planned, in a dry run); otherwise why it was not.
        public let problem: String?
    }

    static let fixableRules: Set<String> = [Rules.directoryWritableByOthers.id, Rules.directoryReadableByOthers.id,
                                            Rules.secretPermissions.id, Rules.sessionReadableByOthers.id,
                                            Rules.sessionWritableByOthers.id]

    /// The repairs `report`'s findings that count call for, one per entry.
    public static func plan(for report: AuditReport) -> [Repair] {
        // A suppressed finding is accepted as it is: its entry is left alone.
        let fixablePaths = Set(report.findings.filter { fixableRules.contains($0.rule.id) && $0.suppression == nil }
            .map { PathBytes(bytes: $0.pathBytes) })
        var repairs: [Repair] = []
        for entry in report.entries {
            // Only an entry whose name is text can be reopened by `name` (the repair's handle)
            let path = entry.name == "." ? report.dataDirectoryPath : report.dataDirectoryPath.appending(PathBytes(bytes: entry.nameBytes))
            guard entry.hasTextName, fixablePaths.contains(path), entry.owner == report.owner else { continue }
            let tightened = FilePermissions(rawValue: entry.permissions.rawValue & ~FilePermissions.groupAndOther.rawValue)
            guard tightened != entry.permissions else { continue }
            repairs.append(Repair(name: entry.name, pathBytes: path, from: entry.permissions, to: tightened, owner: report.owner,
                                  device: entry.device, inode: entry.inode, type: entry.type))
        }
        return repairs
    }

    /// Applies `repairs` (or only checks them, with `dryRun`) under `home`'s data directory.
    public static func apply(_ repairs: [Repair], home: String, dryRun: Bool) -> [Outcome] {
        apply(repairs, home: PathBytes(home), dryRun: dryRun)
    }

    public static func apply(_ repairs: [Repair], home: PathBytes, dryRun: Bool) -> [Outcome] {
        guard !repairs.isEmpty else { return [] }
        let data: FileDescriptor
        do {
            let homeFD = try FileDescriptor.open(home, [.readOnly, .directory, .closeOnExec])
            data = try homeFD.closeAfter { (fd) throws(SystemCallError) in
                try fd.open(StoreLayout.dataDirectory, [.readOnly, .directory, .noFollow, .closeOnExec])
            }
        } catch {
            return repairs.map { Outcome(repair: $0, problem: "cannot open the data directory: \(error)") }
        }
        defer { _ = try? data.close() }
        return repairs.map { repair in Outcome(repair: repair, problem: applyOne(repair, data: data, dryRun: dryRun)) }
    }

    private static func applyOne(_ repair: Repair, data: FileDescriptor, dryRun: Bool) -> String? {
        let options: OpenOptions = repair.type == .directory ? [.readOnly, .directory, .noFollow, .closeOnExec] : .hardenedRead
        let fd: FileDescriptor
        if repair.name == "." {
            guard let copy = try? data.open(".", [.readOnly, .directory, .closeOnExec]) else { return "cannot reopen the data directory" }
            fd = copy
        } else {
            guard repair.type == .regular || repair.type == .directory else { return "not a regular file or directory" }
            do { fd = try data.open(repair.name, options) } catch { return "not reopened without following links: \(error)" }
        }
        return fd.closeAfter { fd -> String? in
            guard let status = try? fd.status() else { return "cannot examine it" }
            guard status.device == repair.device, status.inode == repair.inode, status.type == repair.type else {
                return "it was replaced since the audit; run the audit again"
            }
            guard status.owner == repair.owner else { return "not owned by uid \(repair.owner), the store's owner" }
            guard status.type != .regular || status.linkCount == 1 else {
                return "it has \(status.linkCount) hard links: the other name may be outside the store and anyone's; not changed"
            }
            guard status.permissions == repair.from else { return "its mode changed since the audit (now \(status.permissions))" }
            if dryRun { return nil }
            do { try fd.setPermissions(repair.to) } catch { return "fchmod failed: \(error)" }
            return nil
        }
    }
}
