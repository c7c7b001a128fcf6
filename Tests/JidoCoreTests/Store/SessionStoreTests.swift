import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// The store keeps every update, writes atomically with private modes, and reads only what passes
/// the descriptor checks.
@Suite struct SessionStoreTests {
    static let hostname = "test-host"

    /// The default options with the store's clock pinned to `TestVectors.january1`, so what a save
    /// stamps into `updated_at` is known.
    static var options: StoreOptions {
        var options = StoreOptions()
        options.clock = { TestVectors.january1 }
        return options
    }

    /// Options whose clock reads `clock` (a test moves it between saves).
    static func options(clock: Protected<Date>) -> StoreOptions {
        var options = StoreOptions()
        options.clock = { clock.withLock { $0 } }
        return options
    }

    @discardableResult
    func withStore<R>(_ options: StoreOptions = Self.options, _ body: (SessionStore, String) throws -> R) throws -> R {
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: Self.hostname, options: options)
            return try body(store, home)
        }
    }

    func newSession(_ id: SessionID? = nil, name: String = "demo", project: String = "/work/demo",
                    closedAt: String = "2026-01-01T00:00:00Z") throws -> Session {
        var session = Session(id: try id ?? SessionID.random(), name: name, projectPath: project, createdAt: TestVectors.january1)
        session.closedAt = ISO8601.date(closedAt)
        return session
    }

    func message(_ n: Int, tag: String = "m") -> Session.Message {
        Session.Message(id: "\(tag)-\(n)", role: n % 2 == 0 ? .user : .assistant, content: "content \(n)", timestamp: TestVectors.january1)
    }

    func sessionsPath(_ home: String) -> String { home + "/.jido_code/sessions" }

    // MARK: - Round trip, modes, format

    @Test func saveThenLoadRoundTripsWithPrivateModesAndJidoCodeFormat() throws {
        try withStore { store, home in
            var session = try newSession()
            session.append(message(1))
            try store.save(session)
            #expect(try store.load(session.id) == session)
            #expect(fileMode(home + "/.jido_code") == 0o700)
            #expect(fileMode(sessionsPath(home)) == 0o700)
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            #expect(fileMode(path) == 0o600)
            // What we wrote is what JidoCode writes: canonical bytes, signed under the vectors' rules.
            let bytes = try TestVectors.readBytes(URL(fileURLWithPath: path))
            let secret = try MachineSecret.load(home: home)
            let result = SessionSignature.verify(fileBytes: bytes, key: try secret.sessionKey(hostname: Self.hostname))
            #expect(result.verdict == .valid && result.isCanonical)
            #expect(try CanonicalJSON.encode(StrictJSONDecoder().decode(bytes).value) == bytes)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: sessionsPath(home))
            #expect(leftovers == [StoreLayout.sessionFile(session.id)])
        }
    }

    @Test func loadsJidoCodeWrittenSessionsFromTheVectors() throws {
        let vectors = try TestVectors.directory()
        try withTemporaryDirectory { home in
            let data = home + "/.jido_code"
            #expect(mkdir(data, 0o700) == 0 && mkdir(data + "/sessions", 0o700) == 0)
            try writeFile(data + "/machine_secret", TestVectors.readBytes(vectors.appendingPathComponent("basic/home/.jido_code/machine_secret")))
            let source = vectors.appendingPathComponent("basic/home/.jido_code/sessions")
            for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
                try writeFile(data + "/sessions/" + name, TestVectors.readBytes(source.appendingPathComponent(name)), mode: 0o644)
            }
            let store = try SessionStore.open(home: home, hostname: "devbox")
            let listed = try store.list()
            #expect(listed.count == 5)
            for metadata in listed {
                let session = try store.load(metadata.id)
                #expect(session.name == metadata.name && session.projectPath == metadata.projectPath)
            }
            let big = try store.load(try #require(SessionID("e5f6a7b8-c9da-4ebf-a011-223344556677")))
            #expect(big.messageCount == 200)
            #expect(big.conversationPage(offset: 195, limit: 10).count == 5)
            #expect(big.conversationPage(offset: 10, limit: 3).map(\.id) == big.conversation[10..<13].map(\.id))
        }
    }

    // MARK: - No lost update

    /// 16 concurrent tasks each append a message and save: every message is in the final file.
    @Test func sixteenConcurrentTasksLoseNoUpdate() async throws {
        try await withTemporaryDirectoryAsync { home in
            let store = try SessionStore.open(home: home, hostname: Self.hostname)
            let id = try SessionID.random()
            try await store.save(try newSession(id))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<16 {
                    group.addTask {
                        for n in 0..<5 {
                            let message = self.message(n, tag: "t\(task)")
                            try await store.update(id) { session in session?.append(message) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let ids = Set(try await store.load(id).conversation.map(\.id))
            #expect(ids.count == 80)
            for task in 0..<16 { for n in 0..<5 { #expect(ids.contains("t\(task)-\(n)")) } }
        }
    }

    /// The same across 4 processes (each with 2 updates in flight from its own queue).
    @Test func fourProcessesLoseNoUpdate() throws {
        try withStore { store, home in
            let id = try SessionID.random()
            try store.save(try newSession(id))
            let processes = try (0..<4).map { p in
                try launchProduct("jido-test-helper", ["store-append", home, id.rawValue, "p\(p)", "25"])
            }
            for (process, _, err) in processes {
                let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "\(errors)")
            }
            let ids = Set(try store.load(id).conversation.map(\.id))
            #expect(ids.count == 100)
        }
    }

    /// A writer SIGKILLed at random points, 100 times: the file always loads and verifies, no lock
    /// blocks the next save, and stale temporaries are recognized and removed. Each kill comes after
    /// the writer acknowledged a random number (1-3) of saves, plus a random 0-3 ms into the next one,
    /// so every round has an acknowledged save to look for and no round depends on timing.
    @Test func writerKilledAtRandomPointsLeavesAValidFileAndNoStaleLock() throws {
        var options = Self.options
        options.lockTimeout = .seconds(5)
        try withStore(options) { store, home in
            let id = try SessionID.random()
            try store.save(try newSession(id))
            var generator = SystemRandomNumberGenerator()
            var acknowledged = 0
            for _ in 0..<100 {
                let (process, out, _) = try launchProduct("jido-test-helper", ["store-write-forever", home, id.rawValue])
                let wanted = Int.random(in: 1...3, using: &generator)
                var printed = ""
                while printed.filter({ $0 == "\n" }).count < wanted {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break } // The writer ended: reported below.
                    printed += String(decoding: chunk, as: UTF8.self)
                }
                usleep(UInt32.random(in: 0...3_000, using: &generator))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                printed += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let lastAcknowledged = printed.split(separator: "\n").last.flatMap { Int($0) }
                // The dead writer's lock is free at once (the kernel drops a flock with its holder):
                // checked directly, not by timing the next save (slow under ThreadSanitizer).
                #expect(!FileLock.isHeld(StoreLayout.lockFile(id), in: store.locksDirectory), "a dead writer's lock is still held")
                let session = try store.load(id)
                // Every acknowledged save of this writer is in the file (it starts again at k-0 each
                // time, so check the highest acknowledged number it printed).
                if let lastAcknowledged {
                    acknowledged += 1
                    #expect(session.conversation.contains { $0.id == "k-\(lastAcknowledged)" })
                }
                // With the lock held this would fail with `lockTimeout` after 5 s.
                try store.update(id) { session in session?.append(self.message(0, tag: "probe")) }
                store.removeStaleTemporaryFiles()
                let names = try FileManager.default.contentsOfDirectory(atPath: sessionsPath(home))
                #expect(names == [StoreLayout.sessionFile(id)], "left: \(names)")
            }
            #expect(acknowledged == 100, "every round acknowledged at least one save before its kill")
        }
    }

    // MARK: - Descriptor checks

    enum Planted: String, CaseIterable, Sendable { case fifo, device, symlink, hardLink, foreignOwner, groupWritable, directory, tooLarge }

    func plant(_ planted: Planted, at path: String, saved: [UInt8], home: String) throws {
        switch planted {
        case .fifo: #expect(mkfifo(path, 0o600) == 0)
        case .device: #expect(mknod(path, S_IFCHR | 0o600, dev_t((1 << 8) | 3)) == 0) // 1:3, /dev/null
        case .symlink:
            try writeFile(home + "/elsewhere.json", saved)
            #expect(symlink(home + "/elsewhere.json", path) == 0)
        case .hardLink:
            try writeFile(path, saved)
            #expect(link(path, home + "/second-name") == 0)
        case .foreignOwner:
            try writeFile(path, saved)
            #expect(chown(path, 65534, 65534) == 0)
        case .groupWritable: try writeFile(path, saved, mode: 0o620)
        case .directory: #expect(mkdir(path, 0o700) == 0)
        case .tooLarge: try writeFile(path, saved + [UInt8](repeating: 0x20, count: 1 << 20))
        }
    }

    func isExpected(_ error: StoreError, for planted: Planted) -> Bool {
        switch (planted, error) {
        case (.fifo, .notRegularFile(.fifo)), (.device, .notRegularFile(.characterDevice)), (.symlink, .symbolicLink),
             (.hardLink, .hardLinked(2)), (.foreignOwner, .wrongOwner(owner: 65534, expected: _)),
             (.groupWritable, .insecurePermissions), (.directory, .notRegularFile(.directory)), (.tooLarge, .tooLarge):
            return true
        default:
            return false
        }
    }

    @Test(arguments: Planted.allCases)
    func refusesWhatIsNotAPrivateRegularFile(_ planted: Planted) throws {
        var options = Self.options
        options.maxFileBytes = 1 << 20
        try withStore(options) { store, home in
            let session = try newSession()
            try store.save(session)
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            let saved = try TestVectors.readBytes(URL(fileURLWithPath: path))
            unlink(path)
            try plant(planted, at: path, saved: saved, home: home)
            let started = MonotonicClock.now
            do throws(StoreError) {
                _ = try store.load(session.id)
                Issue.record("loaded a planted \(planted)")
            } catch {
                #expect(isExpected(error, for: planted), "\(planted): unexpected \(error.logDescription)")
                #expect(!error.userMessage.contains(session.id.rawValue) && !error.userMessage.contains(home))
            }
            #expect(MonotonicClock.now - started < 1, "never blocks")
        }
    }

    @Test func refusesAWorldWritableSessionsDirectory() throws {
        try withTemporaryDirectory { home in
            _ = try SessionStore.open(home: home, hostname: Self.hostname)
            #expect(chmod(sessionsPath(home), 0o777) == 0)
            #expect(throws: StoreError.insecureDirectory(FilePermissions(rawValue: 0o777))) {
                try SessionStore.open(home: home, hostname: Self.hostname)
            }
        }
    }

    /// An unusable secret comes back as the secret's own typed error, whole (its problem and path), with a
    /// user message that names no path.
    @Test func anUnusableSecretIsTheSecretsTypedError() throws {
        try withTemporaryDirectory { home in
            _ = try SessionStore.open(home: home, hostname: Self.hostname)
            let secretPath = home + "/.jido_code/machine_secret"
            #expect(chmod(secretPath, 0o644) == 0)
            do throws(StoreError) {
                _ = try SessionStore.open(home: home, hostname: Self.hostname)
                Issue.record("a secret readable by others was used")
            } catch {
                guard case let .secret(secretError) = error else {
                    Issue.record("expected .secret, got \(error)")
                    return
                }
                #expect(secretError.problem == .insecurePermissions(FilePermissions(rawValue: 0o644)))
                #expect(secretError.path == secretPath)
                #expect(error.logDescription.contains(secretPath) && error.logDescription.contains("chmod 600"))
                #expect(!error.userMessage.contains(home))
            }
        }
    }

    /// Permission denied for real: an unprivileged child (uid 65534) cannot read the store.
    @Test func unprivilegedReaderGetsPermissionDenied() throws {
        try withStore { store, home in
            let session = try newSession()
            try store.save(session)
            chmod(home, 0o755)
            let result = try runProduct("jido-test-helper", ["--as-user", "65534", "store-load", home, session.id.rawValue])
            #expect(result.status == 2)
            #expect(result.stderr.contains("Permission denied") || result.stderr.contains("uid"), "\(result.stderr)")
            #expect(!result.stdout.contains("1"))
        }
    }

    @Test(arguments: ["../x", "", "5F0C6A52-1B7E-4C1E-9A3B-0D2F6E8A9B10", "5f0c6a52-1b7e-1c1e-9a3b-0d2f6e8a9b10",
                      "5f0c6a52-1b7e-4c1e-7a3b-0d2f6e8a9b10", "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10/..", "../../etc/passwd",
                      "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b1", "5f0c6a521b7e4c1e9a3b0d2f6e8a9b10"])
    func rejectsBadIDsBeforeBuildingAPath(_ text: String) throws {
        #expect(SessionID(text) == nil)
    }

    @Test func tamperedUnsignedAndDuplicateKeyFilesAreRefused() throws {
        try withStore { store, home in
            let session = try newSession()
            try store.save(session)
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            var bytes = try TestVectors.readBytes(URL(fileURLWithPath: path))
            let original = bytes
            if let i = bytes.firstIndex(of: UInt8(ascii: "d")) { bytes[i] = UInt8(ascii: "D") }
            try writeFile(path, bytes)
            #expect(throws: StoreError.invalidSignature(.invalid)) { try store.load(session.id) }
            // Unsigned: strip the signature member.
            var object = try #require(StrictJSONDecoder().decode(original).value.objectValue)
            object["signature"] = nil
            try writeFile(path, try CanonicalJSON.encode(.object(object)))
            #expect(throws: StoreError.unsigned) { try store.load(session.id) }
            // A duplicated key after the signed one: JidoCode keeps the first and verifies, other
            // parsers read "evil"; the store refuses the file.
            let text = String(decoding: original.dropLast(2), as: UTF8.self) + ",\n  \"name\": \"evil\"\n}"
            try writeFile(path, Array(text.utf8))
            #expect(throws: StoreError.duplicateKeys(["/name"])) { try store.load(session.id) }
            // `"signature": null` (JidoCode loads it unverified) is refused even when unsigned files are accepted.
            object["name"] = .string("tampered")
            object["signature"] = .null
            try writeFile(path, try CanonicalJSON.encode(.object(object)))
            #expect(throws: StoreError.invalidSignature(.nullSignature)) { try store.load(session.id) }
            var lenient = Self.options
            lenient.acceptUnsigned = true
            let second = try SessionStore.open(home: home, hostname: Self.hostname, options: lenient)
            #expect(throws: StoreError.invalidSignature(.nullSignature)) { try second.load(session.id) }
        }
    }

    /// A file with several problems is refused for the first in this order: the signature, the
    /// duplicated keys, the schema, the id (`SessionFile.inspect`, mapped by `decodeSession`).
    @Test func loadRefusesForTheFirstProblemInOrder() throws {
        try withStore { store, home in
            let session = try newSession()
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            let key = store.key
            var badSchema = session.document
            badSchema["todos"] = .string("oops")
            let otherID = try SessionID.random()
            var otherIDDocument = session.document
            otherIDDocument["id"] = .string(otherID.rawValue)
            func withDuplicate(_ bytes: [UInt8]) -> [UInt8] { Array((String(decoding: bytes.dropLast(2), as: UTF8.self) + ",\n  \"name\": \"x\"\n}").utf8) }
            func forged(_ object: JSONObject) throws -> [UInt8] {
                var unsigned = object
                unsigned["signature"] = .string(String(repeating: "A", count: 43) + "=")
                return try CanonicalJSON.encode(.object(unsigned))
            }
            let cases: [([UInt8], StoreError)] = [
                (try forged(badSchema), .invalidSignature(.invalid)),
                (withDuplicate(try SessionSignature.signedFileBytes(for: badSchema, key: key)), .duplicateKeys(["/name"])),
                (try SessionSignature.signedFileBytes(for: badSchema, key: key), .schema(SchemaError(pointer: "/todos", reason: "missing or not an array"))),
                (try SessionSignature.signedFileBytes(for: otherIDDocument, key: key), .idMismatch(file: session.id, document: otherID.rawValue)),
                (Array("{\"a\": ".utf8), .undecodable("unexpected end of input at offset 6")),
                (Array("[]".utf8), .undecodable("the top-level value is not an object")),
            ]
            for (bytes, expected) in cases {
                try writeFile(path, bytes)
                #expect(throws: expected) { try store.load(session.id) }
            }
        }
    }

    /// A `Session` cannot be made invalid: a closed set is an enum (a role "bot" does not compile),
    /// and `set(_:to:)` throws, leaving the session unchanged, for a value the schema refuses or a
    /// reserved key (`id` is never silently ignored). An update whose transform throws writes
    /// nothing; the stored file stays as it was and the error is not the one for a damaged file.
    @Test func invalidChangesAreRefusedAndThePreviousFileIsUntouched() throws {
        try withStore { store, home in
            let session = try newSession()
            try store.save(session)
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            let before = try TestVectors.readBytes(URL(fileURLWithPath: path))
            var oops = session
            let notAnArray = SchemaError(pointer: "/conversation", reason: "missing or not an array")
            #expect(throws: notAnArray) { try oops.set("conversation", to: .string("oops")) }
            let badRole = JSONValue.array([.object(JSONObject([("id", .string("m")), ("role", .string("bot")), ("content", .string("c")),
                                                               ("timestamp", .string("2026-01-01T00:00:00Z"))]))])
            #expect(throws: SchemaError(pointer: "/conversation/0/role", reason: "must be one of user, assistant, system, tool")) {
                try oops.set("conversation", to: badRole)
            }
            for key in ["id", "version", "signature"] {
                #expect(throws: SchemaError(pointer: "/" + key, reason: "cannot be changed")) { try oops.set(key, to: .string("x")) }
            }
            #expect(oops == session, "a refused set changes nothing")
            try oops.set("language", to: .string("elixir"))
            #expect(oops.document["language"] == .string("elixir"))
            let refused = StoreError.transformFailed(TransformFailure(notAnArray))
            #expect(throws: refused) { try store.update(session.id) { try $0?.set("conversation", to: .string("oops")) } }
            #expect(try TestVectors.readBytes(URL(fileURLWithPath: path)) == before)
            #expect(try store.load(session.id) == session)
            // A valid update after a refused one still applies.
            try store.update(session.id) { $0?.append(message(1)) }
            #expect(try store.load(session.id).messageCount == 1)
            #expect(refused.userMessage != StoreError.undecodable("").userMessage)
            #expect(StoreError.invalidSession(notAnArray).userMessage != StoreError.undecodable("").userMessage)
        }
    }

    /// A session the encoder cannot write (a float that is not finite) fails with its own error, not
    /// as a damaged file; nothing is written.
    @Test func anEncodingFailureAtSaveIsNotADamagedFile() throws {
        try withStore { store, home in
            let session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1,
                                      config: JSONObject([("temperature", .float(.infinity))]))
            #expect(throws: StoreError.encodingFailed(CanonicalEncodingError.nonFiniteFloat.description)) { try store.save(session) }
            #expect(!FileManager.default.fileExists(atPath: sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)))
            #expect(StoreError.encodingFailed("").userMessage != StoreError.undecodable("").userMessage)
        }
    }

    /// The store writes the member order of the JidoCode release it serves and accepts only that
    /// order for objects of more than 32 members, as that JidoCode does; an append keeps it.
    @Test(arguments: BeamOrder.allCases)
    func largeObjectsFollowTheServedOTPFamily(_ order: BeamOrder) throws {
        var options = Self.options
        options.beamOrder = order
        let other: BeamOrder = order == .otp27 ? .otp25 : .otp27
        try withStore(options) { store, home in
            let env = JSONValue.object(JSONObject((0..<45).map { ("ENV_\($0)", .string("v\($0)")) }))
            var session = Session(id: try SessionID.random(), name: "large", projectPath: "/p", createdAt: TestVectors.january1,
                                      config: JSONObject([("env", env), ("model", .string("m"))]))
            session.append(message(1))
            try store.save(session)
            try store.update(session.id) { $0?.append(message(2)) }
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            let bytes = try TestVectors.readBytes(URL(fileURLWithPath: path))
            let key = try MachineSecret.load(home: home).sessionKey(hostname: Self.hostname)
            let own = SessionSignature.verify(fileBytes: bytes, key: key, orders: [order])
            #expect(own.verdict == .valid && own.isCanonical && own.beamOrder == order)
            #expect(SessionSignature.verify(fileBytes: bytes, key: key, orders: [other]).verdict == .invalid)
            // What a fresh signing in that order writes, byte for byte (the signing cache changed nothing).
            let object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
            #expect(try SessionSignature.signedFileBytes(for: object, key: key, order: order) == bytes)
            #expect(try store.load(session.id).messageCount == 2)
            // A store serving the other family refuses the file, as that JidoCode would.
            var otherOptions = Self.options
            otherOptions.beamOrder = other
            let foreign = try SessionStore.open(home: home, hostname: Self.hostname, options: otherOptions)
            #expect(throws: StoreError.invalidSignature(.invalid)) { try foreign.load(session.id) }
        }
    }

    // MARK: - Listing, deleting, limits, cleanup

    /// Saves `session` with the store's clock at its `closed_at` (as JidoCode saves on closing).
    func saveWhenClosed(_ session: Session, _ store: SessionStore, _ clock: Protected<Date>) throws {
        clock.withLock { $0 = session.closedAt ?? TestVectors.january1 }
        try store.save(session)
    }

    @Test func listFindResumableDeleteAndCleanup() throws {
        let clock = Protected(TestVectors.january1)
        try withStore(Self.options(clock: clock)) { store, home in
            let old = try newSession(name: "old", project: "/a", closedAt: "2025-01-01T00:00:00Z")
            let mid = try newSession(name: "mid", project: "/b", closedAt: "2025-06-01T00:00:00.123456Z")
            let new = try newSession(name: "new", project: "/a", closedAt: "2026-01-01T00:00:00Z")
            for s in [old, mid, new] { try saveWhenClosed(s, store, clock) }
            try writeFile(sessionsPath(home) + "/notes.txt", Array("x".utf8))
            #expect(try store.list().map(\.name) == ["new", "mid", "old"])
            #expect(try store.find(projectPath: "/a")?.id == new.id)
            #expect(try store.listResumable(activeIDs: [mid.id], activeProjectPaths: ["/a"]).isEmpty)
            #expect(try store.listResumable(activeIDs: [new.id]).map(\.name) == ["mid", "old"])
            let now = try #require(ISO8601.date("2026-01-02T00:00:00Z"))
            let report = try store.cleanup(olderThan: .seconds(100 * 86_400), now: now, activeIDs: [old.id])
            #expect(report.deleted == [mid.id])
            #expect(report.skipped.map(\.0) == [old.id])
            try store.delete(new.id)
            try store.delete(new.id) // idempotent
            #expect(throws: StoreError.notFound(new.id)) { try store.load(new.id) }
            #expect(try store.list().map(\.name) == ["old"])
        }
    }

    /// A forged file claiming an old `closed_at` (re-dated, signature no longer matching; or
    /// unsigned) is reported, never deleted, by cleanup and by eviction; valid sessions still go.
    @Test func cleanupAndEvictionDeleteOnlySessionsThatVerify() throws {
        let clock = Protected(TestVectors.january1)
        var options = Self.options(clock: clock)
        options.maxSessions = 3
        options.evictOldest = true
        try withStore(options) { store, home in
            let valid = try newSession(name: "valid", closedAt: "2025-03-01T00:00:00Z")
            let forged = try newSession(name: "forged", closedAt: "2025-06-01T00:00:00Z")
            let recent = try newSession(name: "recent", closedAt: "2026-01-01T00:00:00Z")
            for s in [valid, forged, recent] { try saveWhenClosed(s, store, clock) }
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(forged.id)
            let bytes = try TestVectors.readBytes(URL(fileURLWithPath: path))
            let redated = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "2025-06-01", with: "1971-01-01")
            try writeFile(path, Array(redated.utf8))
            // Eviction: the forged file claims to be the oldest; the oldest verified session goes instead.
            let newcomer = try newSession(name: "newcomer", closedAt: "2026-02-01T00:00:00Z")
            clock.withLock { $0 = newcomer.closedAt ?? TestVectors.january1 }
            let outcome = try store.save(newcomer)
            #expect(outcome.warnings.contains(.evicted(valid.id)))
            #expect(FileManager.default.fileExists(atPath: path))
            // Cleanup: the forged file is old by its claim, and skipped with the reason.
            let now = try #require(ISO8601.date("2026-06-01T00:00:00Z"))
            let report = try store.cleanup(olderThan: .seconds(30 * 86_400), now: now)
            #expect(report.deleted.sorted { $0.rawValue < $1.rawValue } == [recent.id, newcomer.id].sorted { $0.rawValue < $1.rawValue })
            #expect(report.skipped.map(\.0) == [forged.id])
            #expect(report.skipped.first?.1.contains("does not pass the checks") == true)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// Every write stamps `updated_at` with the store's clock, through `save` and `update` alike.
    @Test func everyWriteStampsUpdatedAt() throws {
        let clock = Protected(TestVectors.january1)
        try withStore(Self.options(clock: clock)) { store, _ in
            let session = try newSession()
            let saved = TestVectors.january1.addingTimeInterval(60)
            clock.withLock { $0 = saved }
            try store.save(session)
            #expect(try store.load(session.id).updatedAt == saved)
            #expect(try store.list().first?.updatedAt == saved)
            let updated = saved.addingTimeInterval(0.25)
            clock.withLock { $0 = updated }
            try store.update(session.id) { $0?.name = "renamed" }
            let loaded = try store.load(session.id)
            #expect(loaded.updatedAt == updated && loaded.name == "renamed")
            #expect(loaded.document["updated_at"] == .string("2026-01-01T00:01:00.250000Z"))
        }
    }

    /// The case of issue 15: a session created with an old date and closed long ago, saved a moment
    /// ago, is not deleted by a cleanup of sessions older than 30 days (it was just used).
    @Test func cleanupNeverDeletesASessionSavedMomentsAgo() throws {
        try withStore(StoreOptions()) { store, _ in
            var session = Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: Date(timeIntervalSince1970: 0))
            session.closedAt = Date(timeIntervalSince1970: 0)
            try store.save(session)
            let report = try store.cleanup(olderThan: .seconds(30 * 86_400), now: Date())
            #expect(report.deleted.isEmpty)
            #expect(try store.load(session.id).name == "n")
            // A month and a day later it is old.
            let later = try store.cleanup(olderThan: .seconds(30 * 86_400), now: Date().addingTimeInterval(31 * 86_400))
            #expect(later.deleted == [session.id])
        }
    }

    @Test func missingSessionsDirectoryListsEmptyAndUnreadableIsAnError() throws {
        try withStore { store, home in
            #expect(try store.list().isEmpty)
            try store.save(try newSession())
            #expect(rmdir(sessionsPath(home)) != 0) // not empty: still listable
            let result = try runProduct("jido-test-helper", ["--as-user", "65534", "store-load", home, "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10"])
            #expect(result.status == 2, "an unreadable store is an error, never an empty list")
        }
    }

    @Test func sessionCountLimitIsCheckedUnderTheLockAndCanEvict() throws {
        var options = Self.options
        options.maxSessions = 3
        options.warningThreshold = 2
        try withStore(options) { store, _ in
            let sessions = try (0..<3).map { n in try newSession(name: "s\(n)", closedAt: "2026-01-0\(n + 1)T00:00:00Z") }
            var warnings: [SaveWarning] = []
            for s in sessions { warnings += try store.save(s).warnings }
            #expect(warnings.contains(.approachingLimit(count: 3, limit: 3)))
            #expect(throws: StoreError.limitReached(count: 3, limit: 3)) { try store.save(try newSession()) }
            // Saving an existing session is not creating one.
            #expect(try store.save(sessions[0]).warnings.isEmpty)
        }
        options.evictOldest = true
        try withStore(options) { store, _ in
            let sessions = try (0..<3).map { n in try newSession(name: "s\(n)", closedAt: "2026-01-0\(n + 1)T00:00:00Z") }
            for s in sessions { _ = try store.save(s) }
            let outcome = try store.save(try newSession(name: "s3", closedAt: "2026-01-09T00:00:00Z"))
            #expect(outcome.warnings.contains(.evicted(sessions[0].id)))
            #expect(try store.list().count == 3)
        }
    }

    @Test func concurrentCreatorsNeverExceedTheLimit() async throws {
        var options = Self.options
        options.maxSessions = 5
        try await withTemporaryDirectoryAsync { home in
            let store = try SessionStore.open(home: home, hostname: Self.hostname, options: options)
            let created = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<20 {
                    group.addTask { (try? store.save(try self.newSession(name: "c\(n)"))) != nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 5)
            #expect(try await store.list().count == 5)
        }
    }

    /// On any failure before the rename the temporary is removed and the previous file untouched.
    @Test(arguments: [SyscallName.write, .fsync, .rename])
    func failedWriteKeepsThePreviousFile(_ call: SyscallName) throws {
        try withStore { store, home in
            var session = try newSession()
            try store.save(session)
            let path = sessionsPath(home) + "/" + StoreLayout.sessionFile(session.id)
            let before = try TestVectors.readBytes(URL(fileURLWithPath: path))
            session.append(message(1))
            let faults = SyscallFaults()
            faults.fail(call, errno: call == .write ? ENOSPC : EIO)
            let failed = SyscallFaults.$current.withValue(faults) { (try? store.save(session)) == nil }
            #expect(failed)
            #expect(try TestVectors.readBytes(URL(fileURLWithPath: path)) == before)
            #expect(try FileManager.default.contentsOfDirectory(atPath: sessionsPath(home)) == [StoreLayout.sessionFile(session.id)])
            try store.save(session) // and the next save works
            #expect(try store.load(session.id).messageCount == 1)
        }
    }

    /// A save fsyncs the file, renames it, and returns only after fsyncing the directory, which it
    /// does after releasing the session's lock (so waiters do not queue behind that flush). When the
    /// directory's fsync fails the save reports it (the new file is in place but not known durable),
    /// the lock is free, no temporary is left, and the next save works.
    @Test func aSaveReturnsOnlyOnceTheDirectoryIsSynced() throws {
        try withStore { store, home in
            var session = try newSession()
            try store.save(session)
            session.append(message(1))
            let counted = SyscallFaults()
            try SyscallFaults.$current.withValue(counted) { try store.save(session) }
            #expect(counted.count(.fsync) == 2, "the file and its directory")
            session.append(message(2))
            let faults = SyscallFaults()
            faults.fail(.fsync, errno: EIO, after: 1)
            let error = SyscallFaults.$current.withValue(faults) { () -> StoreError? in
                do throws(StoreError) { try store.save(session) } catch { return error }
                return nil
            }
            #expect(error?.logDescription.contains("fsync") == true, "\(String(describing: error))")
            #expect(try SessionStore.open(home: home, hostname: Self.hostname, options: Self.options).load(session.id).messageCount == 2, "renamed, not known durable")
            #expect(!FileLock.isHeld(StoreLayout.lockFile(session.id), in: store.locksDirectory))
            #expect(try FileManager.default.contentsOfDirectory(atPath: sessionsPath(home)) == [StoreLayout.sessionFile(session.id)])
            session.append(message(3))
            try store.save(session)
            #expect(try store.load(session.id).messageCount == 3)
        }
    }

    @Test func staleTemporariesAreRemovedOnlyWhenTheirLockIsFree() throws {
        try withStore { store, home in
            let session = try newSession()
            try store.save(session)
            let stale = "." + StoreLayout.sessionFile(session.id) + ".0123456789abcdef.tmp"
            try writeFile(sessionsPath(home) + "/" + stale, Array("partial".utf8))
            // While someone holds the session's lock the temporary may be in use: left alone.
            let held = try FileLock.acquire(StoreLayout.lockFile(session.id), in: store.locksDirectory, timeout: .seconds(1))
            #expect(store.removeStaleTemporaryFiles() == 0)
            held.release()
            #expect(store.removeStaleTemporaryFiles() == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: sessionsPath(home)) == [StoreLayout.sessionFile(session.id)])
        }
    }

    @Test func lockWaitTimesOutWithATypedError() throws {
        var options = Self.options
        options.lockTimeout = .milliseconds(200)
        try withStore(options) { store, _ in
            let session = try newSession()
            try store.save(session)
            let held = try FileLock.acquire(StoreLayout.lockFile(session.id), in: store.locksDirectory, timeout: .seconds(1))
            #expect(throws: StoreError.lockTimeout(.milliseconds(200))) { try store.save(session) }
            held.release()
            try store.save(session)
        }
    }
}
