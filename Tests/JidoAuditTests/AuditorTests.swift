import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// Every rule fires on a fixture made for it and stays silent on a clean store made by our core.
@Suite struct AuditorTests {
    static let hostname = "audit-host"
    static let closedAt = "2026-03-01T00:00:00Z"
    static let closedDate = ISO8601.date(closedAt) ?? .distantPast
    static var now: Int { (ISO8601.epochSeconds(closedAt) ?? 0) + 86_400 }

    /// A clean store written by `SessionStore`: 3 sessions, private modes, a standard secret.
    func cleanStore(_ home: String) throws -> [SessionID] {
        let store = try SessionStore.open(home: home, hostname: Self.hostname)
        var ids: [SessionID] = []
        for n in 0..<3 {
            var session = Session(id: try SessionID.random(), name: "s\(n)", projectPath: "/p/\(n)", createdAt: Self.closedDate)
            session.closedAt = Self.closedDate
            session.append(Session.Message(id: "m", role: .user, content: "hello \(n)", timestamp: Self.closedDate))
            try store.save(session)
            ids.append(session.id)
        }
        return ids
    }

    func audit(_ home: String, _ adjust: (inout AuditConfiguration) -> Void = { _ in }) throws -> AuditReport {
        var configuration = AuditConfiguration(home: home)
        configuration.hostname = Self.hostname
        configuration.now = Self.now
        adjust(&configuration)
        return try Auditor.run(configuration)
    }

    func sessionPath(_ home: String, _ id: SessionID) -> String { home + "/.jido_code/sessions/" + StoreLayout.sessionFile(id) }

    @Test func cleanStoreHasNoFindings() throws {
        try withTemporaryDirectory { home in
            _ = try cleanStore(home)
            let report = try audit(home)
            #expect(report.findings.isEmpty, "\(report.findings.map { "\($0.rule.id) \($0.path) \($0.message)" })")
            #expect(report.sessionFiles == 3)
            #expect(report.verdicts[.valid] == 3)
        }
    }

    /// Each case plants one problem and names the rule that must fire for it.
    enum Fixture: String, CaseIterable, Sendable {
        case dataDirectoryMissing, dataDirectorySymlink, dataDirectoryForeign, dataDirectoryWritable, dataDirectoryReadable
        case homeWritable, secretMissing, secretSymlink, secretHardLinked, secretForeign, secretReadable, secretShort, secretNonStandard
        case sessionBadName, sessionIDMismatch, sessionFIFO, sessionHardLinked, sessionForeign, sessionReadable, sessionWritable
        case sessionTooLarge, sessionUndecodable, sessionSchema, signatureInvalid, signatureMissing, signatureMalformed
        case duplicateKeys, notCanonical, strayJidoCodeTemp, strayTemp, strayFile, countLimit, cleanupEligible, secretUnreadable
        case staleLockFile, ambiguousKeys, signatureNull, otpDependentSignature, hostnameMismatch, lockNotRegular
        case fallbackSigned, secretFallbackForm, rotationUnfinished

        var rule: Rule {
            switch self {
            case .dataDirectoryMissing: Rules.dataDirectoryMissing
            case .dataDirectorySymlink: Rules.notARealDirectory
            case .dataDirectoryForeign: Rules.directoryWrongOwner
            case .dataDirectoryWritable: Rules.directoryWritableByOthers
            case .dataDirectoryReadable: Rules.directoryReadableByOthers
            case .homeWritable: Rules.parentInsecure
            case .secretMissing: Rules.secretMissing
            case .secretSymlink: Rules.secretNotRegular
            case .secretHardLinked: Rules.secretHardLinked
            case .secretForeign: Rules.secretWrongOwner
            case .secretReadable: Rules.secretPermissions
            case .secretShort: Rules.secretTooShort
            case .secretNonStandard: Rules.secretNonStandard
            case .secretUnreadable: Rules.secretUnreadable
            case .sessionBadName: Rules.sessionBadName
            case .sessionIDMismatch: Rules.sessionIDMismatch
            case .sessionFIFO: Rules.sessionNotRegular
            case .sessionHardLinked: Rules.sessionHardLinked
            case .sessionForeign: Rules.sessionWrongOwner
            case .sessionReadable: Rules.sessionReadableByOthers
            case .sessionWritable: Rules.sessionWritableByOthers
            case .sessionTooLarge: Rules.sessionTooLarge
            case .sessionUndecodable: Rules.sessionUndecodable
            case .sessionSchema: Rules.sessionSchemaInvalid
            case .signatureInvalid: Rules.signatureInvalid
            case .signatureMissing: Rules.signatureMissing
            case .signatureMalformed: Rules.signatureMalformed
            case .duplicateKeys: Rules.duplicateKeys
            case .notCanonical: Rules.notCanonical
            case .strayJidoCodeTemp: Rules.strayJidoCodeTemp
            case .strayTemp: Rules.strayTemp
            case .strayFile: Rules.strayFile
            case .staleLockFile: Rules.staleLockFile
            case .ambiguousKeys: Rules.ambiguousKeys
            case .signatureNull: Rules.signatureNull
            case .otpDependentSignature: Rules.otpDependentSignature
            case .hostnameMismatch: Rules.hostnameMismatch
            case .lockNotRegular: Rules.lockNotRegular
            case .countLimit: Rules.countLimit
            case .cleanupEligible: Rules.cleanupEligible
            case .fallbackSigned: Rules.fallbackSigned
            case .secretFallbackForm: Rules.secretFallbackForm
            case .rotationUnfinished: Rules.rotationUnfinished
            }
        }
    }

    func key(_ home: String) throws -> SessionKey {
        try MachineSecret.load(home: home).sessionKey(hostname: Self.hostname)
    }

    /// Re-signs a modified document of session `id` with the store's key.
    func rewrite(_ home: String, _ id: SessionID, _ change: (inout JSONObject) -> Void) throws {
        let path = sessionPath(home, id)
        var object = try #require(StrictJSONDecoder().decode(TestVectors.readBytes(URL(fileURLWithPath: path))).value.objectValue)
        change(&object)
        try writeFile(path, try SessionSignature.signedFileBytes(for: object, key: key(home)))
    }

    func plant(_ fixture: Fixture, home: String, ids: [SessionID]) throws {
        let data = home + "/.jido_code", secret = data + "/machine_secret", first = sessionPath(home, ids[0])
        let bytes = try TestVectors.readBytes(URL(fileURLWithPath: first))
        switch fixture {
        case .dataDirectoryMissing: #expect(rename(data, home + "/moved") == 0)
        case .dataDirectorySymlink:
            #expect(rename(data, home + "/real") == 0)
            #expect(symlink(home + "/real", data) == 0)
        case .dataDirectoryForeign: #expect(chown(data, 65534, 65534) == 0)
        case .dataDirectoryWritable: #expect(chmod(data, 0o777) == 0)
        case .dataDirectoryReadable: #expect(chmod(data, 0o755) == 0)
        case .homeWritable: #expect(chmod(home, 0o777) == 0)
        case .secretMissing: #expect(unlink(secret) == 0)
        case .secretSymlink:
            #expect(rename(secret, home + "/elsewhere") == 0)
            #expect(symlink(home + "/elsewhere", secret) == 0)
        case .secretHardLinked: #expect(link(secret, home + "/copy") == 0)
        case .secretForeign: #expect(chown(secret, 65534, 65534) == 0)
        case .secretReadable: #expect(chmod(secret, 0o644) == 0)
        case .secretShort: try writeFile(secret, Array("too short".utf8))
        case .secretNonStandard: try writeFile(secret, Array(String(repeating: "X", count: 40).utf8))
        case .secretUnreadable: try writeFile(secret, [UInt8](repeating: 0x61, count: 5000))
        case .sessionBadName: try writeFile(data + "/sessions/notes.json", bytes)
        case .sessionIDMismatch: #expect(rename(first, sessionPath(home, try SessionID.random())) == 0)
        case .sessionFIFO:
            #expect(unlink(first) == 0)
            #expect(mkfifo(first, 0o600) == 0)
        case .sessionHardLinked: #expect(link(first, home + "/hard") == 0)
        case .sessionForeign: #expect(chown(first, 65534, 65534) == 0)
        case .sessionReadable: #expect(chmod(first, 0o644) == 0)
        case .sessionWritable: #expect(chmod(first, 0o666) == 0)
        case .sessionTooLarge: try writeFile(first, bytes + [UInt8](repeating: 0x20, count: 11 << 20))
        case .sessionUndecodable: try writeFile(first, Array(bytes.dropLast()))
        case .sessionSchema: try rewrite(home, ids[0]) { $0["conversation"] = .array([.object(JSONObject([("role", .string("robot"))]))]) }
        case .signatureInvalid:
            var changed = bytes
            if let i = changed.firstIndex(of: UInt8(ascii: "h")) { changed[i] = UInt8(ascii: "H") }
            try writeFile(first, changed)
        case .signatureMissing:
            var object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            object["signature"] = nil
            try writeFile(first, try CanonicalJSON.encode(.object(object)))
        case .signatureMalformed:
            var object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            object["signature"] = .string("not base64")
            try writeFile(first, try CanonicalJSON.encode(.object(object)))
        case .duplicateKeys:
            try writeFile(first, Array(bytes.dropLast(2)) + Array(",\n  \"name\": \"evil\"\n}".utf8))
        case .notCanonical: try writeFile(first, Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n  ", with: "\n ").utf8))
        case .strayJidoCodeTemp: try writeFile(first + ".tmp", bytes)
        case .strayTemp: try writeFile(data + "/sessions/." + StoreLayout.sessionFile(ids[0]) + ".0123456789abcdef.tmp", bytes)
        case .strayFile: try writeFile(data + "/sessions/README", Array("x".utf8))
        case .staleLockFile: try writeFile(data + "/locks/" + (try SessionID.random()).rawValue + ".lock", [])
        case .ambiguousKeys:
            try rewrite(home, ids[0]) { $0["config"] = .object(JSONObject([("caf\u{E9}", .string("a")), ("cafe\u{301}", .string("b"))])) }
        case .signatureNull:
            var object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            object["name"] = .string("tampered")
            object["signature"] = .null
            try writeFile(first, try CanonicalJSON.encode(.object(object)))
        case .otpDependentSignature:
            try rewrite(home, ids[0]) { object in
                object["config"] = .object(JSONObject((0..<40).map { ("VAR_\($0)", .string("value \($0)")) }))
            }
        case .hostnameMismatch:
            // Signed under this machine's own name while the audit uses `audit-host`: the probe finds it.
            let machineKey = try MachineSecret.load(home: home).sessionKey(hostname: Hostname.current())
            for id in ids {
                let path = sessionPath(home, id)
                let object = try #require(StrictJSONDecoder().decode(TestVectors.readBytes(URL(fileURLWithPath: path))).value.objectValue)
                try writeFile(path, try SessionSignature.signedFileBytes(for: object, key: machineKey))
            }
        case .lockNotRegular:
            // A FIFO where a lock file should be: reported, never opened (opening it used to be possible).
            unlink(data + "/locks/" + ids[1].rawValue + ".lock")
            #expect(mkfifo(data + "/locks/" + ids[1].rawValue + ".lock", 0o600) == 0)
        case .fallbackSigned:
            // Signed the way JidoCode signs when it cannot read its secret (Tests/Fixtures/fallback-v1 has JidoCode's own).
            let object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            try writeFile(first, try SessionSignature.signedFileBytes(for: object, key: FallbackSecret.sessionKey(hostname: Self.hostname)))
        case .secretFallbackForm: try writeFile(secret, try FallbackSecret.value(hostname: Self.hostname))
        case .rotationUnfinished: try writeFile(data + "/" + StoreLayout.rotationJournal, Array("jido-audit rotation journal v1\n".utf8))
        case .countLimit, .cleanupEligible: break
        }
    }

    @Test(arguments: Fixture.allCases)
    func everyRuleFiresOnItsFixture(_ fixture: Fixture) throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            try plant(fixture, home: home, ids: ids)
            let report = try audit(home) { configuration in
                if fixture == .countLimit { configuration.maxSessions = 3 }
                if fixture == .cleanupEligible { configuration.now += 31 * 86_400 }
            }
            #expect(report.findings.contains { $0.rule == fixture.rule },
                    "\(fixture): \(report.findings.map { "\($0.rule.id) \($0.message)" })")
        }
    }

    /// A file swapped for a symlink between the scan and the open is reported, not followed.
    @Test func swapBetweenScanAndOpenIsReportedNotFollowed() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let path = sessionPath(home, ids[1])
            try writeFile(home + "/decoy.json", Array("{\"secret\": \"do not read\"}".utf8))
            let faults = SyscallFaults()
            faults.perform(beforeOpening: StoreLayout.sessionFile(ids[1])) {
                unlink(path)
                symlink(home + "/decoy.json", path)
            }
            let report = try SyscallFaults.$current.withValue(faults) { try audit(home) }
            let findings = report.findings.filter { $0.path == path }
            #expect(findings.map(\.rule) == [Rules.changedDuringAudit], "\(findings.map(\.message))")
            #expect(report.verdicts[.valid] == 2, "the swapped file was not verified")
        }
    }

    /// An inode swap (same name, another regular file) between scan and open is reported too.
    @Test func inodeSwapIsReported() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let path = sessionPath(home, ids[2])
            let faults = SyscallFaults()
            faults.perform(beforeOpening: StoreLayout.sessionFile(ids[2])) {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                unlink(path)
                _ = FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600])
            }
            let report = try SyscallFaults.$current.withValue(faults) { try audit(home) }
            // The new file may even reuse the freed inode number; its ctime differs.
            #expect(report.findings.contains { $0.rule == Rules.changedDuringAudit && $0.path == path },
                    "\(report.findings.map(\.message))")
            #expect(report.verdicts[.valid] == 2)
        }
    }

    @Test func unreadableHomeCannotRun() {
        #expect(throws: AuditFailure.self) { try audit("/nonexistent/home") }
    }

    /// The `mixed` vector store with JidoCode's real modes: exactly the manifest's verdicts plus the
    /// permission findings.
    @Test func mixedVectorStoreGivesTheManifestVerdictsAndPermissionFindings() throws {
        let vectors = try TestVectors.directory()
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent("mixed/manifest.json"))) as? [String: Any]
        let sessions = manifest?["sessions"] as? [[String: Any]] ?? []
        try withTemporaryDirectory { home in
            let data = home + "/.jido_code"
            #expect(mkdir(data, 0o755) == 0 && mkdir(data + "/sessions", 0o755) == 0)
            chmod(data, 0o755)
            chmod(data + "/sessions", 0o755)
            try writeFile(data + "/machine_secret", TestVectors.readBytes(vectors.appendingPathComponent("mixed/home/.jido_code/machine_secret")))
            for entry in sessions {
                let name = entry["file"] as? String ?? ""
                try writeFile(data + "/sessions/" + name,
                              TestVectors.readBytes(vectors.appendingPathComponent("mixed/home/.jido_code/sessions/" + name)), mode: 0o644)
            }
            let report = try audit(home) { configuration in
                configuration.hostname = manifest?["hostname"] as? String
                configuration.cleanupDays = 100_000
            }
            var expected: [String: Set<String>] = [:]
            expected[data] = [Rules.directoryReadableByOthers.id]
            expected[data + "/sessions"] = [Rules.directoryReadableByOthers.id]
            for entry in sessions {
                let path = data + "/sessions/" + (entry["file"] as? String ?? "")
                var rules: Set<String> = [Rules.sessionReadableByOthers.id]
                switch (entry["kind"] as? String, entry["jidocode_verdict"] as? String) {
                case ("tampered", "invalid"): rules.insert(Rules.signatureInvalid.id)
                case ("unsigned", "unsigned"): rules.insert(Rules.signatureMissing.id)
                case ("duplicate_key", "valid"): rules.formUnion([Rules.duplicateKeys.id, Rules.notCanonical.id])
                case ("signed", "valid"): break
                default: Issue.record("unexpected manifest entry \(entry)")
                }
                expected[path] = rules
            }
            var actual: [String: Set<String>] = [:]
            for finding in report.findings { actual[finding.path, default: []].insert(finding.rule.id) }
            #expect(actual == expected)
            #expect(report.verdicts[.valid] == 16 && report.verdicts[.invalid] == 4 && report.verdicts[.unsigned] == 4)
        }
    }

    // MARK: - Fix

    @Test func fixTightensWhatItShouldAndNothingElse() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let data = home + "/.jido_code"
            chmod(data, 0o755)
            chmod(data + "/sessions", 0o775)
            chmod(data + "/locks", 0o777)
            chmod(data + "/machine_secret", 0o640)
            chmod(sessionPath(home, ids[0]), 0o644)
            chmod(sessionPath(home, ids[1]), 0o400)
            try writeFile(data + "/sessions/notes.txt", Array("x".utf8), mode: 0o644)
            let before = try TestVectors.readBytes(URL(fileURLWithPath: sessionPath(home, ids[0])))
            let report = try audit(home)
            let dry = Fixer.apply(Fixer.plan(for: report), home: home, dryRun: true)
            #expect(dry.count == 5 && dry.allSatisfy { $0.problem == nil })
            #expect(fileMode(data) == 0o755, "a dry run changes nothing")
            let outcomes = Fixer.apply(Fixer.plan(for: report), home: home, dryRun: false)
            #expect(outcomes.allSatisfy { $0.problem == nil })
            #expect(fileMode(data) == 0o700 && fileMode(data + "/sessions") == 0o700 && fileMode(data + "/locks") == 0o700)
            #expect(fileMode(data + "/machine_secret") == 0o600 && fileMode(sessionPath(home, ids[0])) == 0o600)
            #expect(fileMode(sessionPath(home, ids[1])) == 0o400, "already private: untouched")
            #expect(fileMode(data + "/sessions/notes.txt") == 0o644, "strays are not touched")
            #expect(try TestVectors.readBytes(URL(fileURLWithPath: sessionPath(home, ids[0]))) == before, "content never changes")
            let again = try audit(home)
            #expect(Fixer.plan(for: again).isEmpty, "idempotent")
            #expect(again.findings.map(\.rule) == [Rules.strayFile], "only what a fix cannot touch remains")
        }
    }

    /// Every directory from `/` down to home is checked (OpenSSH's `safe_path`): one owned by another
    /// user (uid 65534), or writable by its group without the sticky bit, can rename home away.
    @Test func ancestorsAboveHomeAreChecked() throws {
        try withTemporaryDirectory { root in
            let parent = root + "/parent", home = parent + "/home"
            func isParent(_ finding: Finding) -> Bool { finding.path.hasSuffix("/parent") } // reported by its real path
            #expect(mkdir(parent, 0o755) == 0 && mkdir(home, 0o700) == 0)
            _ = try cleanStore(home)
            #expect(try audit(home).findings.filter(isParent).isEmpty)
            #expect(chown(parent, 65534, 65534) == 0)
            #expect(try audit(home).findings.contains { $0.rule == Rules.parentInsecure && isParent($0) && $0.message.contains("65534") })
            #expect(chown(parent, 0, 0) == 0 && chmod(parent, 0o775) == 0)
            #expect(try audit(home).findings.contains { $0.rule == Rules.ancestorWorldWritable && isParent($0) })
            #expect(chmod(parent, 0o1775) == 0)
            #expect(try audit(home).findings.filter(isParent).isEmpty, "the sticky bit protects the entries")
        }
    }

    /// Root auditing another user's store (uid 65534) holds it to that user by default, so it gets no
    /// wrong-owner findings (and no advice to delete the data); `owner` names the user explicitly.
    @Test(.enabled(if: geteuid() == 0, "needs root to own files as another uid"))
    func rootAuditsAnotherUsersStoreAsThatUser() throws {
        try withTemporaryDirectory { root in
            let home = root + "/someone"
            #expect(mkdir(home, 0o700) == 0)
            _ = try cleanStore(home)
            for path in [home, home + "/.jido_code", home + "/.jido_code/sessions", home + "/.jido_code/locks",
                         home + "/.jido_code/machine_secret"] + (try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code/sessions"))
                .map({ home + "/.jido_code/sessions/" + $0 }) + (try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code/locks"))
                .map({ home + "/.jido_code/locks/" + $0 }) {
                #expect(chown(path, 65534, 65534) == 0, "\(path)")
            }
            let asOwner = try audit(home)
            #expect(asOwner.owner == 65534)
            let ownerRules: Set<String> = [Rules.directoryWrongOwner.id, Rules.secretWrongOwner.id, Rules.sessionWrongOwner.id, Rules.parentInsecure.id]
            #expect(asOwner.findings.filter { ownerRules.contains($0.rule.id) }.isEmpty, "\(asOwner.findings.map(\.message))")
            #expect(asOwner.verdicts[.valid] == 3)
            let asRoot = try audit(home) { $0.owner = 0 }
            #expect(asRoot.findings.contains { $0.rule == Rules.sessionWrongOwner })
        }
    }

    /// With no machine secret nothing can be verified, but what needs no key is still reported:
    /// duplicated keys, a missing, null or non-string signature, the schema.
    @Test func checksThatNeedNoKeyRunWithoutASecret() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let bytes = try TestVectors.readBytes(URL(fileURLWithPath: sessionPath(home, ids[0])))
            try writeFile(sessionPath(home, ids[0]), Array(bytes.dropLast(2)) + Array(",\n  \"name\": \"evil\"\n}".utf8))
            var object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            object["signature"] = .null
            try writeFile(sessionPath(home, ids[1]), try CanonicalJSON.encode(.object(object)))
            object["signature"] = .integer(JSONInteger(5))
            object["version"] = .string("one")
            try writeFile(sessionPath(home, ids[2]), try CanonicalJSON.encode(.object(object)))
            #expect(unlink(home + "/.jido_code/machine_secret") == 0)
            let rules = try audit(home).findings.map(\.rule.id)
            for rule in [Rules.secretMissing, Rules.duplicateKeys, Rules.signatureNull, Rules.signatureMalformed, Rules.sessionSchemaInvalid] {
                #expect(rules.contains(rule.id), "\(rule.id) missing from \(rules)")
            }
        }
    }

    /// The summary counts the regular session files: a FIFO and a symbolic link named like sessions
    /// are reported, not counted (they made "26 session files" of 24).
    @Test func sessionFilesCountsRegularFilesOnly() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            #expect(unlink(sessionPath(home, ids[0])) == 0 && mkfifo(sessionPath(home, ids[0]), 0o600) == 0)
            #expect(symlink(sessionPath(home, ids[1]), home + "/.jido_code/sessions/" + (try SessionID.random()).rawValue + ".json") == 0)
            let report = try audit(home)
            #expect(report.sessionFiles == 2)
        }
    }

    /// Every entry that does not belong is reported, whatever its type or name: in sessions/ (a
    /// FIFO, a symlink, a directory, a socket, a name that is not UTF-8), directly in .jido_code/
    /// and in locks/; JidoCode's settings.json and the store lock are not strays.
    @Test func straysAnywhereInTheStoreAreReported() throws {
        try withTemporaryDirectory { home in
            _ = try cleanStore(home)
            let data = home + "/.jido_code", sessions = data + "/sessions"
            #expect(mkfifo(sessions + "/pipe", 0o600) == 0)
            #expect(symlink("/etc/passwd", sessions + "/link") == 0)
            #expect(mkdir(sessions + "/dir", 0o700) == 0)
            #expect(makeSocket(sessions + "/sock"))
            try writeFile(pathBytes: Array((sessions + "/").utf8) + [0x6E, 0xFF], [])
            try writeFile(data + "/notes.txt", [])
            #expect(mkdir(data + "/cache", 0o700) == 0)
            try writeFile(pathBytes: Array((data + "/").utf8) + [0xFE], [])
            try writeFile(data + "/settings.json", Array("{}".utf8))
            try writeFile(data + "/locks/junk", [])
            let report = try audit(home)
            let strays = Set(report.findings.filter { $0.rule == Rules.strayFile }.map(\.pathBytes))
            let expected = Set(["pipe", "link", "dir", "sock"].map { Array((sessions + "/" + $0).utf8) }
                + [Array((sessions + "/").utf8) + [0x6E, 0xFF], Array((data + "/notes.txt").utf8), Array((data + "/cache").utf8),
                   Array((data + "/").utf8) + [0xFE], Array((data + "/locks/junk").utf8)])
            #expect(strays == expected, "\(report.findings.map { "\($0.rule.id) \($0.displayPath) \($0.message)" })")
            #expect(report.findings.contains { $0.path == data + "/cache" && $0.message.hasPrefix("a directory") })
            #expect(report.findings.allSatisfy { $0.rule == Rules.strayFile }, "nothing else: \(report.findings.map(\.rule.id))")
        }
    }

    /// A session file with a second hard link (here outside the store) is never chmod'ed: the mode
    /// belongs to the inode, so the other name would change too.
    @Test func fixNeverChangesAHardLinkedFile() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let path = sessionPath(home, ids[0])
            chmod(path, 0o644)
            #expect(link(path, home + "/someone-elses-name") == 0)
            let report = try audit(home)
            #expect(report.findings.contains { $0.rule == Rules.sessionHardLinked && $0.path == path })
            let outcomes = Fixer.apply(Fixer.plan(for: report), home: home, dryRun: false)
            #expect(outcomes.count == 1 && outcomes[0].problem?.contains("2 hard links") == true, "\(outcomes)")
            #expect(fileMode(home + "/someone-elses-name") == 0o644)
        }
    }

    @Test func fixRefusesAnEntrySwappedSinceTheAudit() throws {
        try withTemporaryDirectory { home in
            let ids = try cleanStore(home)
            let path = sessionPath(home, ids[0])
            chmod(path, 0o644)
            let report = try audit(home)
            // Replace the file by a symlink to a file of ours that must not be chmod'ed.
            try writeFile(home + "/target", Array("x".utf8), mode: 0o644)
            unlink(path)
            symlink(home + "/target", path)
            let outcomes = Fixer.apply(Fixer.plan(for: report), home: home, dryRun: false)
            #expect(outcomes.count == 1 && outcomes[0].problem != nil)
            #expect(fileMode(home + "/target") == 0o644)
        }
    }

    @Test func aMissingHomeIsNamedByItsBytes() throws {
        let missing = PathBytes(bytes: pathBytes("/nonexistent/h", [0xFF, 0x5C]))
        do throws(AuditFailure) {
            _ = try Auditor.run(AuditConfiguration(home: missing))
            Issue.record("a missing home must stop the audit")
        } catch {
            #expect(error.displayText.hasPrefix("cannot open the home directory /nonexistent/h\\xFF\\\\: No such file"), "\(error.displayText)")
            #expect(error.description.hasPrefix("cannot open the home directory /nonexistent/h\u{FFFD}\\: "))
        }
    }
}
