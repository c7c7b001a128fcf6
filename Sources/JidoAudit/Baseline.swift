public import JidoCore

/// A recorded state of a data directory, compared later as AIDE does: added, removed, changed.
///
/// It holds every entry under the data directory, of any type and any name (see
/// `AuditRun.recordInventory`): device, inode, owner, group, mode, type, link count, size, times, the
/// SHA-256 of regular files, the verdict of session files and the target of symbolic links.
///
/// Written atomically with mode 0600 (O_EXCL temporary, fsync, rename); read only if it is a regular
/// file of the effective user, one link, no group/other permission, at most `maxFileBytes`.
///
/// The file (format `jido-audit-baseline`, version 2) is canonical JSON: `{"entries": [...],
/// "format": "jido-audit-baseline", "version": 2}`, one object per entry, sorted by name bytes:
/// - `name`: the path relative to the data directory (`.` for the directory itself), when its bytes
///   are valid UTF-8; otherwise `name_b64`, the standard base64 of the exact bytes (a JSON string
///   holds only Unicode text). Exactly one of the two is present.
/// - `device`, `inode`, `uid`, `gid`, `nlink`, `size`: integers; `mode`: four octal digits
///   (`"0600"`); `type`: `regular`, `directory`, `symlink`, `fifo`, `socket`, `character device`,
///   `block device` or `unknown`; `mtime`, `ctime`: `"<seconds>.<nine digits of nanoseconds>"`.
/// - `sha256`: lower-case hex of a regular file's content, or null (other types, or a file that
///   could not be read); `verdict`: the signature verdict of a session file, or null.
/// - `target` (or `target_b64`, as for names): a symbolic link's target, read with `readlinkat` and
///   never followed; present only for links whose target was read.
/// Version 1 (which recorded only the secret, the sessions and the store directories) is refused
/// with the advice to write a new baseline.
public struct Baseline: Sendable {
    public static let formatVersion = 2
    /// The most entries a baseline holds: ten times the largest session limit in use (10,000), twice
    /// (every session has a lock file).
    public static let maxEntries = 200_000
    /// The largest baseline read, and the decoder's input limit for it (one number for both: the
    /// reader allowed 64 MiB but decoded with the 10 MiB session limit, so the baseline of a 30,000
    /// session store could not be read back). `maxEntries` entries of a store with long names fit.
    public static let maxFileBytes = 128 << 20
    public let entries: [EntryRecord]

    public init(entries: [EntryRecord]) { self.entries = entries }

    /// Why a baseline cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    // MARK: - File format

    /// The file's bytes; fails when it would hold more than `maxEntries` entries or `maxFileBytes`
    /// bytes, so that every baseline written can be read back.
    public func encoded() throws(Problem) -> [UInt8] {
        guard entries.count <= Self.maxEntries else {
            throw Problem(description: "\(entries.count) entries, more than the \(Self.maxEntries) a baseline holds")
        }
        let sorted = entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }
        let records: [JSONValue] = sorted.map { entry in
            var members: [(String, JSONValue)] = [
                Self.bytesMember("name", entry.nameBytes),
                ("device", .integer(JSONInteger(Int(truncatingIfNeeded: entry.device)))),
                ("inode", .integer(JSONInteger(Int(truncatingIfNeeded: entry.inode)))), ("uid", .integer(JSONInteger(Int(entry.owner)))),
                ("gid", .integer(JSONInteger(Int(entry.group)))), ("mode", .string(entry.permissions.description)),
                ("type", .string(entry.type.rawValue)), ("nlink", .integer(JSONInteger(Int(truncatingIfNeeded: entry.linkCount)))),
                ("size", .integer(JSONInteger(Int(entry.size)))),
                ("mtime", .string(Self.format(entry.modified))), ("ctime", .string(Self.format(entry.changed))),
                ("sha256", entry.sha256.map { .string($0) } ?? .null),
                ("verdict", entry.verdict.map { .string($0.rawValue) } ?? .null),
            ]
            if let target = entry.linkTarget { members.append(Self.bytesMember("target", target)) }
            return .object(JSONObject(members))
        }
        let document = JSONValue.object(JSONObject([
            ("format", .string("jido-audit-baseline")), ("version", .integer(JSONInteger(Self.formatVersion))),
            ("entries", .array(records)),
        ]))
        do {
            return try CanonicalJSON.encode(document, maxOutputBytes: Self.maxFileBytes - 1) + [0x0A]
        } catch {
            throw Problem(description: "the baseline would be larger than \(Self.maxFileBytes >> 20) MiB (\(entries.count) entries): \(error)")
        }
    }

    /// `key` with the bytes as a JSON string when they are UTF-8, else `key_b64` with their base64.
    static func bytesMember(_ key: String, _ bytes: [UInt8]) -> (String, JSONValue) {
        if let text = String(validating: bytes, as: UTF8.self) { return (key, .string(text)) }
        return (key + "_b64", .string(Base64.encode(bytes)))
    }

    /// What a record holds under `key` or `key_b64`.
    enum BytesMember: Equatable {
        case present([UInt8])
        case absent
        /// Both spellings, a value that is not a string, or base64 that is not strict.
        case malformed

        var bytes: [UInt8]? { if case let .present(bytes) = self { bytes } else { nil } }
    }

    static func bytesMember(_ key: String, in record: JSONObject) -> BytesMember {
        switch (record[key], record[key + "_b64"]) {
        case let (.string(text)?, nil): .present(Array(text.utf8))
        case let (nil, .string(encoded)?): Base64.decodeStrict(Array(encoded.utf8)).map(BytesMember.present) ?? .malformed
        case (nil, nil): .absent
        default: .malformed
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(Problem) -> Baseline {
        let document: JSONDocument
        do {
            document = try StrictJSONDecoder(limits: JSONLimits(maxInputBytes: maxFileBytes, maxStringBytes: maxFileBytes)).decode(bytes)
        } catch {
            throw Problem(description: "not a jido-audit baseline: \(error)")
        }
        guard document.duplicateKeys.isEmpty, let object = document.value.objectValue,
              object["format"]?.stringValue == "jido-audit-baseline", let version = object["version"]?.integerValue?.intValue else {
            throw Problem(description: "not a jido-audit baseline")
        }
        guard version == formatVersion else {
            let why = version == 1 ? "version 1 records only the secret, the sessions and the store directories, not every entry"
                                   : "this jido-audit reads version \(formatVersion)"
            throw Problem(description: "baseline format version \(version) is not supported (\(why)); write a new baseline "
                + "with 'jido-audit baseline --write FILE' from a state you trust")
        }
        guard let records = object["entries"]?.arrayValue else { throw Problem(description: "not a jido-audit baseline: no entries") }
        guard records.count <= maxEntries else {
            throw Problem(description: "\(records.count) entries, more than the \(maxEntries) a baseline holds")
        }
        var entries: [EntryRecord] = []
        entries.reserveCapacity(records.count)
        var names = Set<[UInt8]>(minimumCapacity: records.count)
        for (index, record) in records.enumerated() {
            guard let r = record.objectValue, let name = bytesMember("name", in: r).bytes, !name.isEmpty,
                  case let target = bytesMember("target", in: r), target != .malformed,
                  let device = r["device"]?.integerValue?.intValue, let inode = r["inode"]?.integerValue?.intValue,
                  let uid = r["uid"]?.integerValue?.intValue, let gid = r["gid"]?.integerValue?.intValue,
                  let modeText = r["mode"]?.stringValue, let mode = UInt32(modeText, radix: 8),
                  let typeText = r["type"]?.stringValue, let type = FileType(rawValue: typeText),
                  let nlink = r["nlink"]?.integerValue?.intValue, let size = r["size"]?.integerValue?.intValue,
                  let mtime = r["mtime"]?.stringValue.flatMap(Self.time), let ctime = r["ctime"]?.stringValue.flatMap(Self.time),
                  let owner = UInt32(exactly: uid), let group = UInt32(exactly: gid),
                  case let (true, sha256) = nullable(r["sha256"], { Self.isDigest($0) ? $0 : nil }),
                  case let (true, verdict) = nullable(r["verdict"], SignatureVerdict.init(rawValue:)) else {
                throw Problem(description: "baseline entry \(index) is incomplete or malformed")
            }
            guard names.insert(name).inserted else {
                throw Problem(description: "baseline entry \(index) repeats the name \(DisplayText.escape(bytes: name))")
            }
            entries.append(EntryRecord(nameBytes: name, device: UInt64(truncatingIfNeeded: device), inode: UInt64(truncatingIfNeeded: inode),
                                       owner: owner, group: group, permissions: FilePermissions(rawValue: mode), type: type,
                                       linkCount: UInt64(truncatingIfNeeded: nlink), size: Int64(size), modified: mtime,
                                       changed: ctime, sha256: sha256, verdict: verdict, linkTarget: target.bytes))
        }
        return Baseline(entries: entries)
    }

    /// A member that is null or a string `parse` accepts: (true, nil) for null, (true, value) for a
    /// string it parses; (false, nil) when it is missing, another type, or a string it refuses.
    static func nullable<T>(_ value: JSONValue?, _ parse: (String) -> T?) -> (valid: Bool, value: T?) {
        switch value {
        case .null?: (true, nil)
        case let .string(text)?: parse(text).map { (true, $0) } ?? (false, nil)
        default: (false, nil)
        }
    }

    /// 64 lower-case hex digits, as `sha256` is written.
    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(Hex.isLowercaseDigit)
    }

    static func time(_ text: String) -> FileTime? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].utf8.count == 9, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let seconds = Int(parts[0]), let nanoseconds = Int(parts[1]) else { return nil }
        return FileTime(seconds: seconds, nanoseconds: nanoseconds)
    }

    // MARK: - Files

    /// Writes the baseline to `path` (any bytes) atomically, mode 0600. The problem does not repeat
    /// the path (the caller prints it, escaped).
    public func write(to path: PathBytes) throws(Problem) {
        let bytes: [UInt8]
        do { bytes = try encoded() } catch { throw Problem(description: "cannot write it: \(error)") }
        let (parent, name) = path.split
        do {
            let directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
            try directory.closeAfter { (dir) throws(SystemCallError) in
                try AtomicFileWriter.write(bytes, as: name, in: dir, permissions: .ownerReadWrite)
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

    /// Adds the drift between this baseline and `report`'s entries to `report`: for each name, in
    /// byte order, added (JG060), removed (JG061), or the changes of an entry present in both:
    /// - its type (JG067): reported alone, the other attributes of another kind of file mean nothing;
    /// - owner, group or mode (JG063);
    /// - content: the SHA-256 of a regular file (the size when a side has no hash): a signed session
    ///   still verifying (JG064), a session no longer verifying (JG065), any other file (JG068);
    /// - a symbolic link's target (JG069);
    /// - device or inode, with the same content or target (JG062);
    /// - a non-directory's link count (JG070);
    /// - nothing but mtime or ctime (JG071, a note; never for directories, whose times change with
    ///   every entry added or removed in them, which is reported for the entry itself).
    /// A directory's size and link count are not compared either: they follow its entries.
    public func compare(with report: inout AuditReport) {
        let before = Dictionary(entries.map { ($0.nameBytes, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(report.entries.map { ($0.nameBytes, $0) }, uniquingKeysWith: { a, _ in a })
        let data = report.dataDirectoryPath
        func path(_ name: [UInt8]) -> PathBytes { name == [UInt8(ascii: ".")] ? data : data.appending(PathBytes(bytes: name)) }
        let names = Set(before.keys).union(after.keys).sorted { $0.lexicographicallyPrecedes($1) }
        for name in names {
            switch (before[name], after[name]) {
            case let (nil, new?): report.add(Rules.baselineAdded, path(name), "not in the baseline (\(new.type.rawValue))")
            case let (old?, nil): report.add(Rules.baselineRemoved, path(name), "in the baseline (\(old.type.rawValue)), gone now")
            case let (old?, new?):
                for (rule, message) in Self.changes(from: old, to: new) { report.add(rule, path(name), message) }
            case (nil, nil): break
            }
        }
    }

    /// The findings for one entry present in the baseline and now (see `compare(with:)`).
    static func changes(from old: EntryRecord, to new: EntryRecord) -> [(Rule, String)] {
        guard old.type == new.type else {
            return [(Rules.baselineTypeChanged, "was a \(describe(old)), now a \(describe(new))")]
        }
        var changes: [(Rule, String)] = []
        var ownership: [String] = []
        if old.owner != new.owner { ownership.append("owner uid \(old.owner) → \(new.owner)") }
        if old.group != new.group { ownership.append("group gid \(old.group) → \(new.group)") }
        if old.permissions != new.permissions { ownership.append("mode \(old.permissions) → \(new.permissions)") }
        if !ownership.isEmpty { changes.append((Rules.baselineMetadataChanged, ownership.joined(separator: ", "))) }

        var replaced: [String] = []
        if old.device != new.device { replaced.append("device \(old.device) → \(new.device)") }
        if old.inode != new.inode { replaced.append("inode \(old.inode) → \(new.inode)") }
        let contentChanged: Bool
        if old.type == .regular, let oldHash = old.sha256, let newHash = new.sha256 {
            contentChanged = oldHash != newHash
        } else {
            contentChanged = old.type == .regular && old.size != new.size
        }
        if contentChanged {
            var how = old.sha256 != nil && new.sha256 != nil ? "content changed" : "size changed (no hash to compare)"
            how += old.size != new.size ? ", \(old.size) → \(new.size) bytes" : ", same size"
            how += replaced.isEmpty ? ", in place" : " (new inode)"
            if old.verdict == nil && new.verdict == nil {
                changes.append((Rules.baselineContentChanged, how))
            } else if new.verdict == .valid {
                changes.append((Rules.baselineContentChangedValid, "\(how); the signature still verifies"))
            } else {
                changes.append((Rules.baselineContentChangedInvalid,
                                "\(how); verdict now \(new.verdict?.rawValue ?? "unknown") (was \(old.verdict?.rawValue ?? "unknown"))"))
            }
        }
        // A link's target is its content: a link pointed elsewhere is always a new inode.
        let targetChanged = old.linkTarget != nil && new.linkTarget != nil && old.linkTarget != new.linkTarget
        if let oldTarget = old.linkTarget, let newTarget = new.linkTarget, targetChanged {
            changes.append((Rules.baselineLinkTargetChanged,
                            "-> \(DisplayText.escape(bytes: oldTarget)) became -> \(DisplayText.escape(bytes: newTarget))"))
        }
        if !contentChanged && !targetChanged && !replaced.isEmpty {
            changes.append((Rules.baselineInodeReplaced, replaced.joined(separator: ", ") + " with the same content"))
        }
        if old.type != .directory && old.linkCount != new.linkCount {
            changes.append((Rules.baselineLinkCountChanged, "\(old.linkCount) → \(new.linkCount) hard links"))
        }
        if changes.isEmpty && old.type != .directory && (old.modified != new.modified || old.changed != new.changed) {
            var times: [String] = []
            if old.modified != new.modified { times.append("mtime \(format(old.modified)) → \(format(new.modified))") }
            if old.changed != new.changed { times.append("ctime \(format(old.changed)) → \(format(new.changed))") }
            changes.append((Rules.baselineTimesChanged, times.joined(separator: ", ") + "; nothing else changed"))
        }
        return changes
    }

    /// `symlink -> target`, `regular file of 12 bytes`, `fifo`: what an entry was, for messages.
    static func describe(_ entry: EntryRecord) -> String {
        switch entry.type {
        case .symbolicLink: entry.linkTarget.map { "symlink -> \(DisplayText.escape(bytes: $0))" } ?? "symlink"
        case .regular: "regular file of \(entry.size) bytes"
        default: entry.type.rawValue
        }
    }

    /// `<seconds>.<nanoseconds, nine digits>`, as the file stores times and messages show them.
    static func format(_ time: FileTime) -> String {
        let fraction = String(time.nanoseconds)
        return "\(time.seconds)." + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
    }
}
