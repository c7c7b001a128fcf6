import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// `SecretRotation`: every session valid under the old key ends valid under the new one, with the
/// same content; everything else is untouched; every intermediate state a kill can leave is finished
/// by the next run.
@Suite struct SecretRotationTests {
    static let hostname = "rot-host"

    struct Store {
        let home: String
        var data: String { home + "/.jido_code" }
        var sessions: String { data + "/sessions" }
        let valid: [String]
        let tampered: String
        let fallback: String
        let stray: String
    }

    /// 4 sessions our store signed, one tampered, one signed with JidoCode's fallback key, a stray file.
    func makeStore(_ home: String) throws -> Store {
        let store = try SessionStore.open(home: home, hostname: Self.hostname)
        var names: [String] = []
        for n in 0..<6 {
            var session = Session(id: try SessionID.random(), name: "s\(n)", projectPath: "/p/\(n)", createdAt: TestVectors.january1)
            session.append(Session.Message(id: "m\(n)", role: .user, content: "hello \(n)", timestamp: TestVectors.january1))
            try store.save(session)
            names.append(StoreLayout.sessionFile(session.id))
        }
        let sessions = home + "/.jido_code/sessions/"
        var tampered = try TestVectors.readBytes(URL(fileURLWithPath: sessions + names[4]))
        let i = try #require(tampered.firstIndex(of: UInt8(ascii: "h")))
        tampered[i] = UInt8(ascii: "H")
        try writeFile(sessions + names[4], tampered)
        let object = try #require(StrictJSONDecoder().decode(TestVectors.readBytes(URL(fileURLWithPath: sessions + names[5]))).value.objectValue)
        try writeFile(sessions + names[5], try SessionSignature.signedFileBytes(for: object, key: FallbackSecret.sessionKey(hostname: Self.hostname)))
        try writeFile(sessions + "notes.txt", Array("mine".utf8))
        return Store(home: home, valid: Array(names[0..<4]), tampered: names[4], fallback: names[5], stray: "notes.txt")
    }

    func options(_ home: String) -> RotationOptions {
        var options = RotationOptions(home: home)
        options.hostname = Self.hostname
        options.checkProcesses = false
        return options
    }

    func bytes(_ path: String) throws -> [UInt8] { try TestVectors.readBytes(URL(fileURLWithPath: path)) }

    func key(_ home: String) throws -> SessionKey { try MachineSecret.load(home: home).sessionKey(hostname: Self.hostname) }

    /// The document without its signature (what re-signing must keep).
    func content(_ bytes: [UInt8]) throws -> JSONObject {
        var object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
        object["signature"] = nil
        return object
    }

    /// Every file of the data directory (name → bytes), for "untouched" comparisons.
    func snapshot(_ directory: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try bytes(directory + "/" + name)
            }
        }
        return files
    }

    @Test func reSignsWhatVerifiesAndLeavesTheRestByteForByte() throws {
        try withTemporaryDirectory { home in
            let store = try makeStore(home)
            let oldSecret = try bytes(store.data + "/machine_secret")
            let before = try snapshot(store.data)
            let report = try SecretRotation.run(options(home))
            let newSecret = try bytes(store.data + "/machine_secret")
            #expect(try newSecret != oldSecret && newSecret.count == 64 && MachineSecret.load(home: home).isStandardForm)
            #expect(fileMode(store.data + "/machine_secret") & 0o777 == 0o600)
            let retired = try #require(report.retiredName)
            #expect(try bytes(store.data + "/" + retired) == oldSecret && fileMode(store.data + "/" + retired) & 0o777 == 0o600)
            #expect(!FileManager.default.fileExists(atPath: store.data + "/" + StoreLayout.rotationJournal))
            #expect(!FileManager.default.fileExists(atPath: store.data + "/" + StoreLayout.stagedSecretFile))
            let newKey = try key(home)
            for name in store.valid {
                let file = try bytes(store.sessions + "/" + name)
                #expect(SessionSignature.verify(fileBytes: file, key: newKey).verdict == .valid, "\(name)")
                #expect(try content(file) == content(try #require(before["sessions/" + name])), "content kept: \(name)")
            }
            #expect(Set(report.resigned) == Set(store.valid) && report.alreadyNew.isEmpty)
            for name in [store.tampered, store.fallback, store.stray] {
                #expect(try bytes(store.sessions + "/" + name) == before["sessions/" + name], "\(name) untouched")
            }
            let reasons = Dictionary(uniqueKeysWithValues: report.leftAlone.map { ($0.name, $0.reason ?? "") })
            #expect(reasons[store.tampered] == "invalid under the old key")
            #expect(reasons[store.fallback]?.contains("--include-fallback") == true)
            #expect(reasons[store.stray] == "not a session file")
            // The audit agrees: no rotation left over, every valid session valid.
            var configuration = AuditConfiguration(home: home)
            configuration.hostname = Self.hostname
            let audit = try Auditor.run(configuration)
            #expect(audit.verdicts[.valid] == store.valid.count)
            #expect(!audit.findings.contains { $0.rule == Rules.rotationUnfinished || $0.rule == Rules.strayFile && $0.path.contains("retired") })
        }
    }

    @Test func includeFallbackReSignsTheFallbackSignedSession() throws {
        try withTemporaryDirectory { home in
            let store = try makeStore(home)
            var options = options(home)
            options.includeFallback = true
            let report = try SecretRotation.run(options)
            #expect(report.resignedFromFallback == [store.fallback])
            #expect(SessionSignature.verify(fileBytes: try bytes(store.sessions + "/" + store.fallback), key: try key(home)).verdict == .valid)
        }
    }

    @Test func dryRunChangesNothing() throws {
        try withTemporaryDirectory { home in
            let store = try makeStore(home)
            let before = try snapshot(store.data)
            var options = options(home)
            options.dryRun = true
            let report = try SecretRotation.run(options)
            #expect(try snapshot(store.data) == before)
            #expect(Set(report.resigned) == Set(store.valid) && report.leftAlone.count == 3)
        }
    }

    /// Every durable intermediate state (copied at each checkpoint, as a kill there would leave it) is
    /// finished by the next run: each session valid before is valid under the final machine_secret,
    /// with its content, and the final key is the one the interrupted run chose once it had journaled.
    @Test func everyInterruptedStateIsFinishedByTheNextRun() throws {
        try withTemporaryDirectory { root in
            let home = root + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let store = try makeStore(home)
            let before = try snapshot(store.data)
            let states = Protected<[(String, String)]>([])
            var options = options(home)
            let counter = Protected(0)
            options.checkpoint = { point in
                let n = counter.withLock { value in value += 1; return value }
                let copy = root + "/state\(n)"
                let status = (try? runProgram("/bin/cp", ["-a", home, copy]))?.status ?? -1
                if status == 0 { states.withLock { $0.append(("\(point)", copy)) } }
            }
            _ = try SecretRotation.run(options)
            let captured = states.withLock { $0 }
            #expect(captured.count >= 4 + 6, "\(captured.map(\.0))")
            for (point, copy) in captured {
                let journaled = FileManager.default.fileExists(atPath: copy + "/.jido_code/" + StoreLayout.rotationJournal)
                if journaled {
                    var audit = AuditConfiguration(home: copy)
                    audit.hostname = Self.hostname
                    #expect(try Auditor.run(audit).findings.contains { $0.rule == Rules.rotationUnfinished }, "\(point)")
                }
                let report = try SecretRotation.run(self.options(copy), resumeOnly: journaled)
                #expect(report.resumed == journaled, "\(point)")
                let finalKey = try key(copy)
                for name in store.valid {
                    let file = try bytes(copy + "/.jido_code/sessions/" + name)
                    #expect(SessionSignature.verify(fileBytes: file, key: finalKey).verdict == .valid, "\(point): \(name)")
                    #expect(try content(file) == content(try #require(before["sessions/" + name])))
                }
                #expect(!FileManager.default.fileExists(atPath: copy + "/.jido_code/" + StoreLayout.rotationJournal))
                #expect(!FileManager.default.fileExists(atPath: copy + "/.jido_code/" + StoreLayout.stagedSecretFile))
            }
        }
    }

    /// A session whose lock a writer holds makes the rotation wait, then stop with a typed error; the
    /// state it leaves is finished by `--resume`.
    @Test func aHeldSessionLockStopsTheRotationResumably() throws {
        try withTemporaryDirectory { home in
            let store = try makeStore(home)
            let locks = try FileDescriptor.open(home + "/.jido_code/locks", [.readOnly, .directory, .closeOnExec])
            defer { _ = try? locks.close() }
            let held = try #require(StoreLayout.sessionID(fileName: store.valid.sorted()[1]))
            let lock = try FileLock.acquire(StoreLayout.lockFile(held), in: locks, timeout: .seconds(1))
            var options = options(home)
            options.lockTimeout = .milliseconds(200)
            #expect(throws: RotationError.self) { try SecretRotation.run(options) }
            #expect(FileManager.default.fileExists(atPath: store.data + "/" + StoreLayout.rotationJournal))
            lock.release()
            let report = try SecretRotation.run(options, resumeOnly: true)
            #expect(report.resumed && report.alreadyNew.count == 1 && report.resigned.count == 3)
            for name in store.valid {
                #expect(SessionSignature.verify(fileBytes: try bytes(store.sessions + "/" + name), key: try key(home)).verdict == .valid)
            }
        }
    }

    @Test func resumeWithoutAJournalIsNothingToResume() throws {
        try withTemporaryDirectory { home in
            _ = try makeStore(home)
            #expect(throws: RotationError.self) { try SecretRotation.run(options(home), resumeOnly: true) }
        }
    }

    @Test func journalRoundTripsAndGarbageIsRefused() throws {
        let journal = RotationJournal(state: .resigning, hostname: "h\u{E9}st", oldFingerprint: "0123456789abcdef", newFingerprint: "fedcba9876543210",
                                      retiredName: "machine_secret.retired-20261203T082100Z", includeFallback: true)
        #expect(try RotationJournal.parse(journal.bytes).get() == journal)
        for bad in ["", "jido-audit rotation journal v1\n", String(decoding: journal.bytes, as: UTF8.self) + "state switching\n",
                    String(decoding: journal.bytes, as: UTF8.self).replacingOccurrences(of: "retired machine_secret", with: "retired ../x")] {
            if case .success = RotationJournal.parse(Array(bad.utf8)) { Issue.record("accepted \(bad.debugDescription)") }
        }
        #expect(compactUTC(1_767_225_600) == "20260101T000000Z" && compactUTC(0) == "19700101T000000Z")
    }

    /// A process working in the data directory is found, and the rotation refuses to run.
    @Test func aProcessUsingTheDataDirectoryIsFoundAndRefused() throws {
        try withTemporaryDirectory { home in
            let store = try makeStore(home)
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/bin/sleep")
            child.arguments = ["30"]
            child.currentDirectoryURL = URL(fileURLWithPath: store.sessions)
            try child.run()
            defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
            let suspects = JidoCodeProcesses.scan(home: PathBytes(home))
            #expect(suspects.contains { $0.pid == child.processIdentifier && $0.reason.hasPrefix("works in ") }, "\(suspects)")
            var options = options(home)
            options.checkProcesses = true
            let before = try snapshot(store.data)
            #expect(throws: RotationError.self) { try SecretRotation.run(options) }
            #expect(try snapshot(store.data) == before, "nothing changed")
        }
    }
}
