import Foundation
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-bench store-list` and `jido-bench store-save`: the Core II figures, each against a
/// baseline measured in the same run.
enum StoreBenchmarks {
    static let hostname = "bench-host"
    /// 2026-01-01T00:00:00Z.
    static let january1 = Date(timeIntervalSince1970: 1_767_225_600)

    static let usage = """
        usage:
          jido-bench store-list --dir DIR [--sessions N (10000)] [--kb KB (100)] [--rounds R (3)] [--json]
          jido-bench store-save --dir DIR [--kb KB (100)] [--iterations N (300)] [--json]
          jido-bench store-audit --dir DIR [--hostname H] [--rounds R (3)] [--json]

        store-list  lists N sessions (metadata only) against a full verified load of each, same run
        store-save  a turn appended and saved (and a cold save) against bare write+fsync+rename+fsync(dir) of the same bytes
        store-audit a full audit (files from the page cache) against in-memory verification of the same files
                    (run it on the store store-list made in DIR)
        """

    static func run(_ command: String, _ argv: ArraySlice<String>) -> ExitCode {
        do {
            let args = try ToolArguments(argv, values: ["dir", "sessions", "kb", "rounds", "iterations", "hostname"], flags: ["json"],
                                     acceptsHelp: true)
            if args.wantsHelp {
                print(usage)
                return .success
            }
            let dir = try args.required("dir")
            try StoreFiles.makeDirectories(dir)
            let figures: [String: Double]
            if command == "store-list" {
                figures = try list(home: dir, sessions: args.integer("sessions", default: 10_000, in: 1...1_000_000),
                                   kilobytes: args.integer("kb", default: 100, in: 1...10_000), rounds: args.integer("rounds", default: 3, in: 1...100))
            } else if command == "store-audit" {
                figures = try audit(home: dir, hostname: args.value("hostname") ?? hostname,
                                    rounds: args.integer("rounds", default: 3, in: 1...100))
            } else {
                figures = try save(home: dir, kilobytes: args.integer("kb", default: 100, in: 1...10_000),
                                   iterations: args.integer("iterations", default: 300, in: 2...1_000_000))
            }
            Figures(figures, counts: ["sessions", "files"]).print(json: args.flag("json"))
            return .success
        } catch let error as UsageError {
            return usageFailure(error.message, usage: usage)
        } catch {
            writeError("jido-bench \(command): \(error)")
            return .cannotRun
        }
    }

    /// A session of about `kilobytes` KB: alternating user/assistant messages of prose.
    static func makeSession(id: SessionID, kilobytes: Int, seed: UInt64) -> Session {
        var prose = Prose(seed: seed)
        var session = Session(id: id, name: "bench-\(seed)", projectPath: "/home/user/projects/p\(seed % 97)", createdAt: january1)
        // Closed on 2026-01-DD at HH:MM, spread by the seed.
        let closed = Int(seed % 28) * 86_400 + Int(seed % 24) * 3_600 + Int(seed % 60) * 60
        session.closedAt = january1.addingTimeInterval(Double(closed))
        var total = 0
        var n = 0
        while total < kilobytes * 1000 {
            let message = prose.message(n)
            session.append(message)
            total += (message.object["content"]?.stringValue?.utf8.count ?? 0) + 90
            n += 1
        }
        return session
    }

    /// Messages of 200–2,000 bytes of words, with escapes (quotes, tabs, newlines) and non-ASCII text.
    struct Prose {
        private var rng: SplitMix64
        static let words = ["session", "swift", "the", "file", "lock", "durable", "write", "of", "and", "JSON", "résumé", "código",
                            "fsync", "rename", "\"quoted\"", "tab\there", "line\nbreak", "path/to/file.ex", "日本語", "🙂"]

        init(seed: UInt64) { rng = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15) }

        mutating func next() -> UInt64 { rng.next() }

        mutating func message(_ n: Int, idPrefix: String = "msg") -> Session.Message {
            var content = ""
            let length = 200 + Int(next() % 1800)
            while content.utf8.count < length { content += Self.words[Int(next() % UInt64(Self.words.count))] + " " }
            return Session.Message(id: "\(idPrefix)-\(n)", role: n % 2 == 0 ? .user : .assistant, content: content,
                                   timestamp: january1)
        }
    }

    static func openStore(_ home: String) throws -> SessionStore {
        try SessionStore.open(home: home, hostname: hostname)
    }

    /// Lists N sessions (metadata only) against loading each one fully (read, verify, decode, schema).
    static func list(home: String, sessions count: Int, kilobytes: Int, rounds: Int) throws -> [String: Double] {
        let store = try openStore(home)
        let existing = try store.list().count
        if existing < count {
            let key = try MachineSecret.load(home: home).sessionKey(hostname: hostname)
            let directory = StoreLayout.sessionsPath(home: home) + "/"
            for n in existing..<count {
                let session = makeSession(id: try SessionID.random(), kilobytes: kilobytes, seed: UInt64(n))
                let bytes = try SessionSignature.signedFileBytes(for: session.document, key: key)
                try StoreFiles.writeNewFile(directory + StoreLayout.sessionFile(session.id), bytes)
            }
        }
        let ids = try store.list().map(\.id)
        var listTimes: [Double] = []
        var loadTimes: [Double] = []
        var bytes = 0
        for _ in 0..<rounds {
            var start = MonotonicClock.now
            let listed = try store.list()
            listTimes.append(MonotonicClock.now - start)
            guard listed.count == ids.count else { throw POSIXError(.EIO) }
            start = MonotonicClock.now
            var messages = 0
            for id in ids { messages += try store.load(id).messageCount }
            loadTimes.append(MonotonicClock.now - start)
            if messages == 0 { throw POSIXError(.EIO) }
        }
        for id in ids.prefix(50) {
            bytes += StoreFiles.size(StoreLayout.sessionsPath(home: home) + "/" + StoreLayout.sessionFile(id)) ?? 0
        }
        let list = listTimes.sorted()[rounds / 2], load = loadTimes.sorted()[rounds / 2]
        return ["sessions": Double(ids.count), "mean_file_kb": Double(bytes) / Double(min(50, ids.count)) / 1000,
                "list_seconds": list, "load_all_seconds": load, "speedup": load / list]
    }

    /// Durable save latency against a bare write + fsync + rename + fsync(dir) of the same bytes.
    ///
    /// The save measured is the common one: a turn appended to a conversation of about `kilobytes`
    /// KB, then saved (every 20 turns the conversation goes back to its first size). The baseline
    /// writes the very bytes that save wrote, read back from the file. Measured the same way: a cold
    /// save (a store that has never seen the session: every message encoded) and the first save
    /// after a resume (a new store loads the session, a turn is appended).
    static func save(home: String, kilobytes: Int, iterations: Int) throws -> [String: Double] {
        let base = makeSession(id: try SessionID.random(), kilobytes: kilobytes, seed: 7)
        let fileName = StoreLayout.sessionFile(base.id)
        let store = try openStore(home)
        _ = try store.save(base)
        let directory = StoreLayout.sessionsPath(home: home)
        let dirFD = try FileDescriptor.open(directory, [.readOnly, .directory, .closeOnExec])
        defer { _ = try? dirFD.close() }
        func writtenBytes() throws -> [UInt8] { try StoreFiles.read(directory + "/" + fileName) }
        var prose = Prose(seed: 11)
        var session = base
        var saveTimes: [Double] = [], bareTimes: [Double] = [], sizes: [Double] = []
        for i in 0..<iterations {
            if i % 20 == 0 { session = base }
            session.append(prose.message(i, idPrefix: "turn"))
            var start = MonotonicClock.now
            _ = try store.save(session)
            saveTimes.append(MonotonicClock.now - start)
            let bytes = try writtenBytes()
            sizes.append(Double(bytes.count))
            start = MonotonicClock.now
            try bareWrite(bytes, directory: dirFD, temporary: ".bare.\(i).tmp", target: "bare.json")
            bareTimes.append(MonotonicClock.now - start)
        }
        // Cold: a new store saves a session it never saw (every message encoded). Resume: a new store
        // loads the session (which primes its cache), a turn is appended, the save is timed.
        var coldTimes: [Double] = [], coldBareTimes: [Double] = []
        var resumeTimes: [Double] = [], resumeBareTimes: [Double] = []
        for i in 0..<max(2, iterations / 4) {
            let coldStore = try openStore(home)
            var start = MonotonicClock.now
            _ = try coldStore.save(session)
            coldTimes.append(MonotonicClock.now - start)
            var bytes = try writtenBytes()
            start = MonotonicClock.now
            try bareWrite(bytes, directory: dirFD, temporary: ".bare.cold.\(i).tmp", target: "bare.json")
            coldBareTimes.append(MonotonicClock.now - start)

            let resumeStore = try openStore(home)
            var resumed = try resumeStore.load(base.id)
            resumed.append(prose.message(i, idPrefix: "resume"))
            start = MonotonicClock.now
            _ = try resumeStore.save(resumed)
            resumeTimes.append(MonotonicClock.now - start)
            bytes = try writtenBytes()
            start = MonotonicClock.now
            try bareWrite(bytes, directory: dirFD, temporary: ".bare.resume.\(i).tmp", target: "bare.json")
            resumeBareTimes.append(MonotonicClock.now - start)
            _ = try resumeStore.save(session) // back to the same content for the next cold save
        }
        try? dirFD.unlink("bare.json")
        let key = try MachineSecret.load(home: home).sessionKey(hostname: hostname)
        var signTimes: [Double] = []
        for _ in 0..<iterations {
            let start = MonotonicClock.now
            _ = try SessionSignature.signedFileBytes(for: session.document, key: key)
            signTimes.append(MonotonicClock.now - start)
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let save50 = percentile(saveTimes, 0.5), bare50 = percentile(bareTimes, 0.5)
        let cold50 = percentile(coldTimes, 0.5), coldBare50 = percentile(coldBareTimes, 0.5)
        let resume50 = percentile(resumeTimes, 0.5), resumeBare50 = percentile(resumeBareTimes, 0.5)
        return ["file_kb": sizes.reduce(0, +) / Double(sizes.count) / 1000,
                "save_p50_ms": save50 * 1000, "save_p99_ms": percentile(saveTimes, 0.99) * 1000,
                "bare_p50_ms": bare50 * 1000, "bare_p99_ms": percentile(bareTimes, 0.99) * 1000, "ratio_p50": save50 / bare50,
                "cold_p50_ms": cold50 * 1000, "cold_ratio_p50": cold50 / coldBare50,
                "resume_p50_ms": resume50 * 1000, "resume_ratio_p50": resume50 / resumeBare50,
                "sign_cold_p50_ms": percentile(signTimes, 0.5) * 1000]
    }

    /// A whole audit (`Auditor.run`, files read from the page cache) against verifying the same files
    /// already in memory (the Core I verify throughput), interleaved, same run. Also in memory:
    /// verification with the schema checked in the same pass (what the audit does per file).
    static func audit(home: String, hostname: String, rounds: Int) throws -> [String: Double] {
        let key = try MachineSecret.load(home: home).sessionKey(hostname: hostname)
        let directory = StoreLayout.sessionsPath(home: home) + "/"
        let files = try StoreFiles.names(in: directory).filter { StoreLayout.sessionID(fileName: $0) != nil }
            .map { name throws(StoreFiles.Failure) in try StoreFiles.read(directory + name) }
        let bytes = files.reduce(0) { $0 + $1.count }
        var configuration = AuditConfiguration(home: home)
        configuration.hostname = hostname
        var auditTimes: [Double] = []
        var verifyTimes: [Double] = []
        var schemaTimes: [Double] = []
        for _ in 0..<rounds {
            var start = MonotonicClock.now
            let report = try Auditor.run(configuration)
            auditTimes.append(MonotonicClock.now - start)
            guard report.sessionFiles == files.count else { throw POSIXError(.EIO) }
            start = MonotonicClock.now
            var valid = 0
            for file in files where SessionSignature.verify(fileBytes: file, key: key).verdict == .valid { valid += 1 }
            verifyTimes.append(MonotonicClock.now - start)
            guard valid == files.count else { throw POSIXError(.EIO) }
            start = MonotonicClock.now
            var proven = 0
            for file in files where file.withUnsafeBytes({ SessionSignature.verifyWithSchema(fileBytes: $0, key: key).1 }) != nil {
                proven += 1
            }
            schemaTimes.append(MonotonicClock.now - start)
            guard proven == files.count else { throw POSIXError(.EIO) }
        }
        let audit = auditTimes.sorted()[rounds / 2], verify = verifyTimes.sorted()[rounds / 2]
        let schema = schemaTimes.sorted()[rounds / 2]
        return ["files": Double(files.count), "mb": Double(bytes) / 1e6, "audit_mb_s": Double(bytes) / audit / 1e6,
                "verify_mb_s": Double(bytes) / verify / 1e6, "ratio": verify / audit,
                "verify_schema_mb_s": Double(bytes) / schema / 1e6]
    }

    /// The baseline: what any durable replacement must do at least (the same calls as the store's
    /// writer, through the same layer: open O_CREAT|O_EXCL, write, fsync, close, rename, fsync(dir)).
    static func bareWrite(_ bytes: [UInt8], directory: FileDescriptor, temporary: String, target: String) throws {
        let fd = try directory.open(temporary, [.writeOnly, .create, .exclusiveCreate, .noFollow, .closeOnExec], permissions: .ownerReadWrite)
        do {
            try fd.writeAll(bytes)
            try fd.sync()
        } catch {
            _ = try? fd.close()
            throw error
        }
        try fd.close()
        try directory.rename(temporary, to: target, in: directory)
        try directory.sync()
    }
}
