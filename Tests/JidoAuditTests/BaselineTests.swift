import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// Baselines record every entry under the data directory (any type, any name, never following a
/// link) and report additions, removals and each kind of change, as AIDE does.
@Suite struct BaselineTests {
    /// The clean store, audit and path helpers of the audit's own tests.
    let store = AuditorTests()

    @Test func baselineReportsAddedRemovedAndClassifiedChanges() throws {
        try withTemporaryDirectory { home in
            let ids = try store.cleanStore(home)
            let baselinePath = home + "/baseline.json"
            try Baseline(entries: try store.audit(home) { $0.hashContents = true }.entries).write(to: baselinePath)
            #expect(fileMode(baselinePath) == 0o600)
            // A normal save (new inode, still valid), a tampered file, a removal, an addition, a mode change.
            let sessions = try SessionStore.open(home: home, hostname: AuditorTests.hostname)
            try sessions.update(ids[0]) { $0?.append(Session.Message(id: "n", role: .assistant, content: "x", timestamp: AuditorTests.closedDate)) }
            var bytes = try TestVectors.readBytes(URL(fileURLWithPath: store.sessionPath(home, ids[1])))
            if let i = bytes.firstIndex(of: UInt8(ascii: "h")) { bytes[i] = UInt8(ascii: "H") }
            try writeFile(store.sessionPath(home, ids[1]), bytes)
            try sessions.delete(ids[2])
            var added = Session(id: try SessionID.random(), name: "new", projectPath: "/n", createdAt: AuditorTests.closedDate)
            added.closedAt = AuditorTests.closedDate
            try sessions.save(added)
            chmod(home + "/.jido_code/machine_secret", 0o400)
            var report = try store.audit(home) { $0.hashContents = true }
            Baseline.compare(file: baselinePath, with: &report)
            func rules(_ id: SessionID) -> Set<String> { Set(report.findings.filter { $0.path == store.sessionPath(home, id) }.map(\.rule.id)) }
            #expect(rules(ids[0]) == [Rules.baselineContentChangedValid.id])
            #expect(rules(ids[1]).isSuperset(of: [Rules.baselineContentChangedInvalid.id, Rules.signatureInvalid.id]))
            #expect(rules(ids[2]) == [Rules.baselineRemoved.id])
            #expect(rules(added.id) == [Rules.baselineAdded.id])
            #expect(report.findings.contains { $0.rule == Rules.baselineMetadataChanged && $0.path.hasSuffix("machine_secret") })
        }
    }

    /// A baseline of 100,000 entries (ten times the largest session limit in use), with hashes,
    /// verdicts, and names and link targets that are not UTF-8, writes and reads back entry for entry (it was refused beyond the 10 MiB
    /// decoder limit, "not a jido-audit baseline", from about 22,000 entries on).
    @Test func baselinesOfAHundredThousandEntriesReadBack() throws {
        try withTemporaryDirectory { home in
            // Every 100th entry is a link whose name and target are not UTF-8 (stored as base64).
            let entries = (0..<100_000).map { n in
                let odd = n % 100 == 0
                let name = Array("sessions/\(UUID().uuidString.lowercased())".utf8) + (odd ? [0xFF] : Array(".json".utf8))
                return EntryRecord(nameBytes: name, device: 2049, inode: UInt64(1_000_000 + n), owner: 1000, group: 1000,
                                   permissions: FilePermissions(rawValue: odd ? 0o777 : 0o600), type: odd ? .symbolicLink : .regular,
                                   linkCount: 1, size: Int64(100_000 + n),
                                   modified: FileTime(seconds: 1_790_000_000 + n, nanoseconds: 123_456_789),
                                   changed: FileTime(seconds: 1_790_000_000 + n, nanoseconds: 987_654_321),
                                   sha256: odd ? nil : String(repeating: "ab", count: 32), verdict: odd ? nil : .valid,
                                   linkTarget: odd ? [0x2F, 0xFE, UInt8(n % 251)] : nil)
            }
            let path = home + "/large-baseline.json"
            try Baseline(entries: entries).write(to: path)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            #expect(size > 10 << 20 && size < Baseline.maxFileBytes, "\(size) bytes")
            let read = try Baseline.read(from: path)
            #expect(read.entries.count == entries.count)
            let sorted = entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) }
            #expect(read.entries == sorted, "entry for entry, in name order")
        }
    }

    @Test func baselineFileIsCheckedOnRead() throws {
        try withTemporaryDirectory { home in
            _ = try store.cleanStore(home)
            let path = home + "/baseline.json"
            try Baseline(entries: try store.audit(home) { $0.hashContents = true }.entries).write(to: path)
            chmod(path, 0o644)
            var report = try store.audit(home)
            Baseline.compare(file: path, with: &report)
            #expect(report.findings.map(\.rule) == [Rules.baselineUnusable])
            try writeFile(path, Array("{}".utf8))
            report = try store.audit(home)
            Baseline.compare(file: path, with: &report)
            #expect(report.findings.map(\.rule) == [Rules.baselineUnusable])
        }
    }

    /// A home whose path is not UTF-8 (argv and `$HOME` can name one) is audited like any other: every
    /// path of the report holds its exact bytes and prints them reversibly, and `--fix`, a baseline and
    /// `--secret-file` reach their files through those bytes.
    @Test func aHomeWhosePathIsNotUTF8IsAuditedFixedAndBaselined() throws {
        try withTemporaryDirectory { root in
            let utf8Home = root + "/home"
            #expect(mkdir(utf8Home, 0o700) == 0)
            _ = try store.cleanStore(utf8Home)
            let home = PathBytes(bytes: pathBytes(root + "/h", [0xFF, 0x1B]))
            try renameBytes(pathBytes(utf8Home), home.bytes)
            defer { try? renameBytes(home.bytes, pathBytes(utf8Home)) }
            var configuration = AuditConfiguration(home: home)
            configuration.hostname = AuditorTests.hostname
            configuration.now = AuditorTests.now
            configuration.hashContents = true
            let clean = try Auditor.run(configuration)
            #expect(clean.findings.isEmpty, "\(clean.findings.map { "\($0.rule.id) \($0.displayPath) \($0.message)" })")
            #expect(clean.sessionFiles == 3 && clean.verdicts[.valid] == 3)
            let data = home.appending(".jido_code")
            #expect(clean.homePath == home && clean.dataDirectoryPath == data)

            let sessions = try FileDescriptor.open(data.appending("sessions"), [.readOnly, .directory])
            try sessions.setPermissions(FilePermissions(rawValue: 0o755))
            _ = try? sessions.close()
            let report = try Auditor.run(configuration)
            #expect(report.findings.map(\.rule) == [Rules.directoryReadableByOthers])
            #expect(report.findings.first?.pathBytes == data.appending("sessions").bytes)
            #expect(report.findings.first?.displayPath == root + "/h\\xFF\\x1B/.jido_code/sessions")
            #expect(Fixer.apply(Fixer.plan(for: report), home: home, dryRun: false).map(\.problem) == [nil])
            #expect(try Auditor.run(configuration).findings.isEmpty)

            let baseline = home.appending(PathBytes(bytes: [0x62, 0xFE]))
            try Baseline(entries: clean.entries).write(to: baseline)
            var compared = try Auditor.run(configuration)
            Baseline.compare(file: baseline, with: &compared)
            #expect(compared.findings.isEmpty, "\(compared.findings.map { "\($0.rule.id) \($0.message)" })")
            var unusable = try Auditor.run(configuration)
            Baseline.compare(file: baseline.appending("none"), with: &unusable)
            #expect(unusable.findings.map(\.pathBytes) == [baseline.appending("none").bytes])

            configuration.secretFilePath = data.appending("machine_secret")
            #expect(try Auditor.run(configuration).verdicts[.valid] == 3)
            configuration.secretFilePath = home.appending(PathBytes(bytes: [0xFE]))
            do throws(AuditFailure) {
                _ = try Auditor.run(configuration)
                Issue.record("a missing --secret-file must stop the audit")
            } catch {
                #expect(error.displayText.hasPrefix("--secret-file: " + root + "/h\\xFF\\x1B/\\xFE (given with --secret-file) does not exist"),
                        "\(error.displayText)")
            }
        }
    }

    // MARK: - Every entry, any type, any name

    /// The baseline drift findings of `report` (the audit's own findings left out), by path bytes.
    func drift(_ report: AuditReport) -> [[UInt8]: Set<String>] {
        let driftRules = Set([Rules.baselineAdded, Rules.baselineRemoved, Rules.baselineInodeReplaced, Rules.baselineMetadataChanged,
                              Rules.baselineContentChangedValid, Rules.baselineContentChangedInvalid, Rules.baselineTypeChanged,
                              Rules.baselineContentChanged, Rules.baselineLinkTargetChanged, Rules.baselineLinkCountChanged,
                              Rules.baselineTimesChanged, Rules.baselineIncomplete].map(\.id))
        var out: [[UInt8]: Set<String>] = [:]
        for finding in report.findings where driftRules.contains(finding.rule.id) { out[finding.pathBytes, default: []].insert(finding.rule.id) }
        return out
    }

    /// A name that is not UTF-8: `x`, 0xFF, `.bin`.
    static let nonUTF8Name: [UInt8] = [0x78, 0xFF, 0x2E, 0x62, 0x69, 0x6E]

    /// Each kind of entry (regular file, directory, FIFO, symbolic link, socket, a badly named file,
    /// a name that is not UTF-8, an entry of locks/, files directly in .jido_code/) is recorded;
    /// adding, removing and changing them gives exactly the expected findings, and nothing for
    /// what did not change (a socket, JidoCode's settings.json, the sessions, the lock files).
    @Test func everyKindOfEntryIsRecordedAndItsDriftReported() throws {
        try withTemporaryDirectory { home in
            _ = try store.cleanStore(home)
            let data = home + "/.jido_code", sessions = data + "/sessions"
            let dataBytes = Array(data.utf8)
            try writeFile(sessions + "/stray.txt", Array("a".utf8))
            try writeFile(sessions + "/gone.txt", Array("g".utf8))
            #expect(mkfifo(sessions + "/fifo", 0o600) == 0)
            try writeFile(home + "/outside.txt", Array("o".utf8))
            #expect(symlink(home + "/outside.txt", sessions + "/link-out") == 0)
            #expect(mkdir(home + "/outdir", 0o700) == 0)
            try writeFile(home + "/outdir/f", Array("f".utf8))
            #expect(symlink(home + "/outdir", sessions + "/link-dir") == 0)
            #expect(symlink("stray.txt", sessions + "/link-retarget") == 0)
            #expect(makeSocket(sessions + "/sock"))
            try writeFile(sessions + "/bad\nname.json", Array("b".utf8))
            try writeFile(pathBytes: Array((sessions + "/").utf8) + Self.nonUTF8Name, Array("n".utf8))
            #expect(mkdir(sessions + "/dir", 0o700) == 0)
            try writeFile(sessions + "/dir/inner.txt", Array("i".utf8))
            try writeFile(sessions + "/dir/touched.txt", Array("t".utf8))
            #expect(mkdir(sessions + "/dir2", 0o700) == 0)
            try writeFile(data + "/locks/junk", Array("j".utf8))
            try writeFile(data + "/settings.json", Array("{}".utf8))

            let before = try store.audit(home) { $0.hashContents = true }
            let baselinePath = home + "/baseline.json"
            try Baseline(entries: before.entries).write(to: baselinePath)
            let recorded = Dictionary(before.entries.map { ($0.nameBytes, $0) }, uniquingKeysWith: { a, _ in a })
            func entry(_ name: String) -> EntryRecord? { recorded[Array(name.utf8)] }
            #expect(entry("sessions/fifo")?.type == .fifo)
            #expect(entry("sessions/sock")?.type == .socket)
            #expect(entry("sessions/link-out")?.linkTarget == Array((home + "/outside.txt").utf8))
            #expect(entry("sessions/link-retarget")?.linkTarget == Array("stray.txt".utf8))
            #expect(entry("sessions/stray.txt")?.sha256 == Hex.lowercase(try SHA256.hash(Array("a".utf8))))
            #expect(entry("sessions/dir/inner.txt")?.type == .regular && entry("sessions/dir")?.type == .directory)
            #expect(entry("locks/junk") != nil && entry("settings.json") != nil && entry("locks") != nil)
            #expect(recorded[Array("sessions/".utf8) + Self.nonUTF8Name]?.sha256 == Hex.lowercase(try SHA256.hash(Array("n".utf8))))
            #expect(!recorded.keys.contains { $0.starts(with: Array("sessions/link-dir/".utf8)) }, "a link to a directory is not followed")
            #expect(before.findings.allSatisfy { $0.rule != Rules.baselineIncomplete && $0.rule != Rules.changedDuringAudit })

            // The file holds the non-UTF-8 name reversibly, and reads back entry for entry.
            let text = String(decoding: try TestVectors.readBytes(URL(fileURLWithPath: baselinePath)), as: UTF8.self)
            #expect(text.contains("\"name_b64\": \"\(Base64.encode(Array("sessions/".utf8) + Self.nonUTF8Name))\""))
            let readBack = try Baseline.read(from: baselinePath)
            #expect(readBack.entries == before.entries.sorted { $0.nameBytes.lexicographicallyPrecedes($1.nameBytes) })

            try writeFile(sessions + "/stray.txt", Array("bb".utf8))                  // content, in place
            #expect(unlink(sessions + "/gone.txt") == 0)                               // removed
            #expect(unlink(sessions + "/fifo") == 0)                                   // FIFO → regular file
            try writeFile(sessions + "/fifo", Array("now a file".utf8))
            try writeFile(home + "/outside.txt", Array("changed outside".utf8))        // behind a link: not seen
            try writeFile(home + "/outdir/g", Array("new outside".utf8))
            #expect(unlink(sessions + "/link-retarget") == 0)                          // retargeted
            #expect(symlink("fifo", sessions + "/link-retarget") == 0)
            #expect(chmod(sessions + "/bad\nname.json", 0o644) == 0)                 // mode
            try writeFile(pathBytes: Array((sessions + "/").utf8) + Self.nonUTF8Name, Array("nn".utf8))
            #expect(link(sessions + "/dir/inner.txt", sessions + "/dir/inner-link") == 0) // link count, and a new name
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, sessions + "/dir/touched.txt", &times, 0) == 0) // times only
            #expect(chmod(sessions + "/dir2", 0o755) == 0)                            // a directory's mode
            #expect(unlink(data + "/locks/junk") == 0)
            try writeFile(data + "/locks/new-junk", Array("k".utf8))
            try writeFile(data + "/new-file", Array("x".utf8))
            #expect(mkdir(data + "/newdir", 0o700) == 0)
            try writeFile(data + "/newdir/f", Array("y".utf8))

            var report = try store.audit(home) { $0.hashContents = true }
            Baseline.compare(file: baselinePath, with: &report)
            func at(_ name: String) -> [UInt8] { dataBytes + Array(("/" + name).utf8) }
            let expected: [[UInt8]: Set<String>] = [
                at("sessions/stray.txt"): [Rules.baselineContentChanged.id],
                at("sessions/gone.txt"): [Rules.baselineRemoved.id],
                at("sessions/fifo"): [Rules.baselineTypeChanged.id],
                at("sessions/link-retarget"): [Rules.baselineLinkTargetChanged.id],
                at("sessions/bad\nname.json"): [Rules.baselineMetadataChanged.id],
                at("sessions/") + Self.nonUTF8Name: [Rules.baselineContentChanged.id],
                at("sessions/dir/inner.txt"): [Rules.baselineLinkCountChanged.id],
                at("sessions/dir/inner-link"): [Rules.baselineAdded.id],
                at("sessions/dir/touched.txt"): [Rules.baselineTimesChanged.id],
                at("sessions/dir2"): [Rules.baselineMetadataChanged.id],
                at("locks/junk"): [Rules.baselineRemoved.id],
                at("locks/new-junk"): [Rules.baselineAdded.id],
                at("new-file"): [Rules.baselineAdded.id],
                at("newdir"): [Rules.baselineAdded.id],
                at("newdir/f"): [Rules.baselineAdded.id],
            ]
            let found = drift(report)
            #expect(found == expected, "\(report.findings.map { "\($0.rule.id) \($0.displayPath) \($0.message)" })")
            let typeChange = report.findings.first { $0.rule == Rules.baselineTypeChanged }
            #expect(typeChange?.message == "was a fifo, now a regular file of 10 bytes")
            let retarget = report.findings.first { $0.rule == Rules.baselineLinkTargetChanged }
            #expect(retarget?.message == "-> stray.txt became -> fifo")
        }
    }

    /// Only regular files and directories are ever opened, and never through a link: an audit that
    /// records a FIFO, a socket and links to a file and to a directory opens none of them.
    @Test func onlyRegularFilesAndDirectoriesAreOpened() throws {
        try withTemporaryDirectory { home in
            _ = try store.cleanStore(home)
            let sessions = home + "/.jido_code/sessions"
            #expect(mkfifo(sessions + "/fifo", 0o600) == 0)
            #expect(makeSocket(sessions + "/sock"))
            try writeFile(home + "/outside.txt", Array("o".utf8))
            #expect(symlink(home + "/outside.txt", sessions + "/link-file") == 0)
            #expect(symlink(home, sessions + "/link-dir") == 0)
            try writeFile(sessions + "/plain", Array("p".utf8))
            let plan = SyscallFaults()
            let opened = Protected<[String]>([])
            for name in ["fifo", "sock", "link-file", "link-dir", "plain"] { plan.perform(beforeOpening: name) { opened.withLock { $0.append(name) } } }
            let report = try SyscallFaults.$current.withValue(plan) { try store.audit(home) { $0.hashContents = true } }
            #expect(opened.withLock { $0 } == ["plain"], "only the regular file was opened")
            let types = Dictionary(report.entries.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
            #expect(types["sessions/fifo"] == .fifo && types["sessions/sock"] == .socket)
            #expect(types["sessions/link-file"] == .symbolicLink && types["sessions/link-dir"] == .symbolicLink)
        }
    }

    /// The walk stops at its depth and entry limits, says so (`baseline-incomplete`), and records
    /// nothing past them.
    @Test func depthAndEntryLimitsAreReported() throws {
        try withTemporaryDirectory { home in
            _ = try store.cleanStore(home)
            var path = home + "/.jido_code/deep"
            for _ in 0..<(AuditRun.maxInventoryDepth + 3) {
                #expect(mkdir(path, 0o700) == 0)
                path += "/d"
            }
            let report = try store.audit(home) { $0.hashContents = true }
            let deepest = report.entries.map { $0.name.split(separator: "/").count }.max()
            #expect(deepest == AuditRun.maxInventoryDepth)
            let incomplete = report.findings.filter { $0.rule == Rules.baselineIncomplete }
            #expect(incomplete.count == 1 && incomplete[0].message.contains("more than \(AuditRun.maxInventoryDepth) levels"))

            let limited = try store.audit(home) {
                $0.hashContents = true
                $0.maxRecordedEntries = 12
            }
            #expect(limited.entries.count <= 12)
            #expect(limited.findings.contains { $0.rule == Rules.baselineIncomplete && $0.message.contains("more than the 12 entries") })
        }
    }

    /// A baseline of the old format is refused with the way out; an ambiguous or malformed name, a
    /// repeated name, a digest, verdict or time that is not what the writer writes are refused.
    @Test func olderFormatsAndAmbiguousEntriesAreRefused() throws {
        let v1 = Array(#"{"entries": [], "format": "jido-audit-baseline", "version": 1}"#.utf8)
        do {
            _ = try Baseline.decode(v1)
            Issue.record("version 1 was accepted")
        } catch {
            #expect(error.description.contains("version 1") && error.description.contains("jido-audit baseline --write FILE"))
        }
        func entry(_ name: String) -> String {
            #"{\#(name), "device": 1, "inode": 2, "uid": 0, "gid": 0, "mode": "0600", "type": "regular", "nlink": 1, "size": 0, "#
                + #""mtime": "1.000000000", "ctime": "1.000000000", "sha256": null, "verdict": null}"#
        }
        func document(_ entries: [String]) -> [UInt8] {
            Array(#"{"entries": [\#(entries.joined(separator: ", "))], "format": "jido-audit-baseline", "version": 2}"#.utf8)
        }
        #expect(try Baseline.decode(document([entry(#""name": "a""#), entry(#""name_b64": "eP8=""#)])).entries.map(\.nameBytes)
                == [Array("a".utf8), [0x78, 0xFF]])
        for bad in [[entry(#""name": "a", "name_b64": "YQ==""#)], [entry(#""name_b64": "not base64!""#)],
                    [entry(#""name": "a""#), entry(#""name_b64": "YQ==""#)],
                    [entry(#""name": "a""#).replacingOccurrences(of: #""sha256": null"#, with: #""sha256": "not a digest""#)],
                    [entry(#""name": "a""#).replacingOccurrences(of: #""verdict": null"#, with: #""verdict": "maybe""#)],
                    [entry(#""name": "a""#).replacingOccurrences(of: #""1.000000000""#, with: #""1.5""#)]] {
            #expect(throws: Baseline.Problem.self) { try Baseline.decode(document(bad)) }
        }
    }
}

