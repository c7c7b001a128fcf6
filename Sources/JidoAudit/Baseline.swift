public import JidoCore

/// A recorded state of a data directory, compared later as AIDE does: added, removed, changed.
///
/// Written atomically with mode 0600 (O_EXCL temporary, fsync, rename); read only if it is a regular
/// file of the effective user, one link, no group/other permission, at most `maxFileBytes`.
public struct Baseline: Sendable {
    public static let formatVersion = 1
    /// The largest baseline read, and the decoder's input limit for it (one number for both: the
    /// reader allowed 64 MiB but decoded with the 10 MiB session limit, so the baseline of a 30,000
    /// session store could not be read back). 100,000 entries of a store take about 45 MB.
    public static let maxFileBytes = 64 << 20
    public let entries: [EntryRecord]

    public init(entries: [EntryRecord]) { self.entries = entries }

    /// Why a baseline cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    // MARK: - File format

    public func encoded() -> [UInt8] {
        let records: [JSONValue] = entries.map { entry in
            .object(JSONObject([
                ("name", .string(entry.name)), ("device", .integer(JSONInteger(Int(truncatingIfNeeded: entry.device)))),
                ("inode", .integer(JSONInteger(Int(truncatingIfNeeded: entry.inode)))), ("uid", .integer(JSONInteger(Int(entry.owner)))),
                ("gid", .integer(JSONInteger(Int(entry.group)))), ("mode", .string(entry.permissions.description)),
                ("type", .string(entry.type.rawValue)), ("nlink", .integer(JSONInteger(Int(truncatingIfNeeded: entry.linkCount)))),
                ("size", .integer(JSONInteger(Int(entry.size)))),
                ("mtime", .string("\(entry.modified.seconds).\(entry.modified.nanoseconds)")),
                ("ctime", .string("\(entry.changed.seconds).\(entry.changed.nanoseconds)")),
                ("sha256", entry.sha256.map { .string($0) } ?? .null),
                ("verdict", entry.verdict.map { .string($0.rawValue) } ?? .null),
            ]))
        }
        let document = JSONValue.object(JSONObject([
            ("format", .string("jido-audit-baseline")), ("version", .integer(JSONInteger(Self.formatVersion))),
            ("entries", .array(records)),
        ]))
        return ((try? CanonicalJSON.encode(document)) ?? []) + [0x0A]
    }

    public static func decode(_ bytes: [UInt8]) throws(Problem) -> Baseline {
        let document: JSONDocument
        do {
            document = try StrictJSONDecoder(limits: JSONLimits(maxInputBytes: maxFileBytes, maxStringBytes: maxFileBytes)).decode(bytes)
        } catch {
            throw Problem(description: "not a jido-audit baseline: \(error)")
        }
        guard document.duplicateKeys.isEmpty,
              let object = document.value.objectValue, object["format"]?.stringValue == "jido-audit-baseline",
              object["version"]?.integerValue?.intValue == formatVersion, let records = object["entries"]?.arrayValue else {
            throw Problem(description: "not a jido-audit baseline (version \(formatVersion))")
        }
        var entries: [EntryRecord] = []
        for record in records {
            guard let r = record.objectValue, let name = r["name"]?.stringValue,
                  let device = r["device"]?.integerValue?.intValue, let inode = r["inode"]?.integerValue?.intValue,
                  let uid = r["uid"]?.integerValue?.intValue, let gid = r["gid"]?.integerValue?.intValue,
                  let modeText = r["mode"]?.stringValue, let mode = UInt32(modeText, radix: 8),
                  let typeText = r["type"]?.stringValue, let type = FileType(rawValue: typeText),
                  let nlink = r["nlink"]?.integerValue?.intValue, let size = r["size"]?.integerValue?.intValue,
                  let mtime = r["mtime"]?.stringValue.flatMap(Self.time), let ctime = r["ctime"]?.stringValue.flatMap(Self.time),
                  let owner = UInt32(exactly: uid), let group = UInt32(exactly: gid) else {
                throw Problem(description: "a baseline entry is incomplete or malformed")
            }
            entries.append(EntryRecord(name: name, device: UInt64(truncatingIfNeeded: device), inode: UInt64(truncatingIfNeeded: inode),
                                       owner: owner, group: group, permissions: FilePermissions(rawValue: mode), type: type,
                                       linkCount: UInt64(truncatingIfNeeded: nlink), size: Int64(size), modified: mtime,
                                       changed: ctime, sha256: r["sha256"]?.stringValue,
                                       verdict: r["verdict"]?.stringValue.flatMap(SignatureVerdict.init(rawValue:))))
        }
        return Baseline(entries: entries)
    }

    static func time(_ text: String) -> FileTime? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let seconds = Int(parts[0]), let nanoseconds = Int(parts[1]) else { return nil }
        return FileTime(seconds: seconds, nanoseconds: nanoseconds)
    }

    // MARK: - Files

    /// Writes the baseline to `path` (any bytes) atomically, mode 0600. The problem does not repeat
    /// the path (the caller prints it, escaped).
    public func write(to path: PathBytes) throws(Problem) {
        let (parent, name) = path.split
        do {
            let directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
            try directory.closeAfter { (dir) throws(SystemCallError) in
                try AtomicFileWriter.write(encoded(), as: name, in: dir, permissions: .ownerReadWrite)
            }
        } catch {
            throw Problem(description: "cannot write it: \(error.call): \(error.errno)")
        }
    }

    public func write(to path: String) throws(Problem) { try write(to: PathBytes(path)) }

    /// Reads a baseline, refusing one that others could have written or read. The problem does not
    /// repeat the path (the caller prints it, escaped).
    public static func read(from path: PathBytes) throws(Problem) -> Baseline {
        let policy = FilePolicy(maxBytes: maxFileBytes, role: .secret)
        let bytes: [UInt8]
        do {
            bytes = try CheckedFileReader.read(path: path, policy: policy).bytes
        } catch {
            if case let .system(failure) = error { throw Problem(description: "\(failure.call): \(failure.errno)") }
            throw Problem(description: error.description)
        }
        return try decode(bytes)
    }

    public static func read(from path: String) throws(Problem) -> Baseline { try read(from: PathBytes(path)) }

    // MARK: - Comparison

    /// Reads the baseline at `path` and adds the drift to `report`, or a `baseline-unusable`
    /// finding when it cannot be trusted.
    public static func compare(file path: String, with report: inout AuditReport) {
        compare(file: PathBytes(path), with: &report)
    }

    public static func compare(file path: PathBytes, with report: inout AuditReport) {
        do throws(Problem) {
            try read(from: path).compare(with: &report)
        } catch {
            report.add(Rules.baselineUnusable, path, error.description)
        }
    }

    /// Adds the drift between this baseline and `report`'s entries to `report`.
    public func compare(with report: inout AuditReport) {
        let before = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(report.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let data = report.dataDirectoryPath
        func path(_ name: String) -> PathBytes { name == "." ? data : data.appending(name) }
        for name in after.keys.sorted() where before[name] == nil {
            report.add(Rules.baselineAdded, path(name), "not in the baseline")
        }
        for name in before.keys.sorted() where after[name] == nil {
            report.add(Rules.baselineRemoved, path(name), "in the baseline, gone now")
        }
        for name in before.keys.sorted() {
            guard let old = before[name], let new = after[name] else { continue }
            let replaced = old.device != new.device || old.inode != new.inode
            let contentChanged = old.sha256 != nil && new.sha256 != nil && old.sha256 != new.sha256
            if old.owner != new.owner || old.group != new.group || old.permissions != new.permissions || old.type != new.type {
                report.add(Rules.baselineMetadataChanged, path(name),
                           "owner \(old.owner):\(old.group) mode \(old.permissions) \(old.type.rawValue) → \(new.owner):\(new.group) mode \(new.permissions) \(new.type.rawValue)")
            }
            if contentChanged {
                let how = replaced ? "content changed (new inode)" : "content changed in place"
                if new.verdict == .valid {
                    report.add(Rules.baselineContentChangedValid, path(name), "\(how); the signature still verifies")
                } else {
                    report.add(Rules.baselineContentChangedInvalid, path(name),
                               "\(how); verdict now \(new.verdict?.rawValue ?? "unknown") (was \(old.verdict?.rawValue ?? "unknown"))")
                }
            } else if replaced {
                report.add(Rules.baselineInodeReplaced, path(name), "inode \(old.inode) replaced by \(new.inode) with the same content")
            }
        }
    }
}
