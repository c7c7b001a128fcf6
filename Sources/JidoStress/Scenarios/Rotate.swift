import Glibc
import JidoAudit
import JidoCore
import JidoToolSupport

/// `rotate`: `SecretRotation` (what `jido-audit rotate-secret` runs) in a worker process, SIGKILLed at
/// a random instant of its run, then finished in the parent as `--resume` would. After each cycle:
/// every session that was valid before is there, with the same content, and valid under the final
/// `machine_secret`; the tampered and stray files are byte for byte as they were; no journal or
/// staged secret is left. The kill instant is uniform over a rotation's duration, measured before
/// the first kill and again every `recalibrateEvery` kills (the machine's load changes).
/// `--unsafe-rotation` runs the deliberately unsafe order: the run must then report violations.
enum RotateScenario {
    static let recalibrateEvery = 20

    struct Expected {
        /// Session file name → its document without the signature.
        var valid: [String: JSONObject] = [:]
        /// Files that must never change: name → bytes.
        var untouched: [String: [UInt8]] = [:]
        /// Sessions already reported broken (counted once).
        var broken: Set<String> = []
    }

    static func run(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) throws {
        report.shape = [("sessions", options.sessions), ("unsafe_rotation", options.unsafeRotation ? 1 : 0)]
        var expected = try makeSessions(options, context)
        var generator = SplitMix64(seed: options.seed, stream: 0x5EC2E7)
        let started = now
        var duration = try measure(options, context, &report)
        var killsSinceCalibration = 0
        while report.kills < options.kills {
            if killsSinceCalibration >= recalibrateEvery {
                duration = try measure(options, context, &report)
                check(context, &expected, &report)
                killsSinceCalibration = 0
            }
            let worker = try WorkerProcess.spawn(options.workerExecutable, arguments: workerArguments(options, context))
            var ledger = Ledger()
            guard worker.awaitReady(into: &ledger) else {
                _ = worker.wait()
                report.workerFailures += 1
                report.note("a rotation worker ended before it was ready")
                continue
            }
            pause(generator.uniform(0, duration * 1.1))
            worker.kill()
            worker.drain(into: &ledger)
            switch worker.wait() {
            case -SIGKILL:
                report.kills += 1
                killsSinceCalibration += 1
            case 0: report.rotationsFinished += 1
            case let status:
                report.workerFailures += 1
                report.note("a rotation worker ended with status \(status)")
            }
            resume(options, context, &report)
            check(context, &expected, &report)
        }
        report.elapsed = now - started
    }

    static func workerArguments(_ options: StressOptions, _ context: StressContext) -> [String] {
        ["rotate-worker", "--home", context.home] + (options.unsafeRotation ? ["--unsafe"] : [])
    }

    /// `rotate-worker --home H [--unsafe]`: prints `r`, rotates, exits 0 (3 on a failure, said on stderr).
    static func worker(_ arguments: [String]) -> ExitCode {
        guard arguments.count >= 2, arguments[0] == "--home" else { return .usage }
        var options = RotationOptions(home: arguments[1])
        options.hostname = StressContext.hostname
        options.checkProcesses = false
        options.unsafeOrder = arguments.dropFirst(2).contains("--unsafe")
        StandardStream.output.write("r\n")
        do throws(RotationError) {
            _ = try SecretRotation.run(options)
            return .success
        } catch {
            StandardStream.error.write("jido-stress rotate-worker: \(error)\n")
            return .cannotRun
        }
    }

    /// The store: `sessions` signed sessions, one tampered, one stray file.
    static func makeSessions(_ options: StressOptions, _ context: StressContext) throws -> Expected {
        var expected = Expected()
        for n in 0..<options.sessions + 1 {
            let id = try SessionSlot(slot: Int32(n), round: 0).id(seed: context.seed)
            var session = WriterPlan.newSession(id)
            for m in 0..<(1 + n % 5) {
                session.append(Session.Message(id: "m\(m)", role: .user, content: "rotation \(n).\(m)", timestamp: WriterPlan.timestamp))
            }
            try context.store.save(session)
            let name = StoreLayout.sessionFile(id)
            var bytes = try read(context.sessionsPath + "/" + name)
            if n == options.sessions {
                // The tampered one: a byte of the content changed after signing.
                if let i = bytes.lastIndex(of: UInt8(ascii: "r")) { bytes[i] = UInt8(ascii: "R") }
                try write(context.sessionsPath + "/" + name, bytes)
                expected.untouched["sessions/" + name] = bytes
            } else {
                expected.valid[name] = try content(bytes)
            }
        }
        let stray = Array("not a session\n".utf8)
        try write(context.sessionsPath + "/notes.txt", stray)
        expected.untouched["sessions/notes.txt"] = stray
        return expected
    }

    /// A whole rotation in a worker, from its ready line to its exit, in seconds.
    static func measure(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) throws -> Double {
        let worker = try WorkerProcess.spawn(options.workerExecutable, arguments: workerArguments(options, context))
        var ledger = Ledger()
        let ready = worker.awaitReady(into: &ledger)
        let begin = now
        worker.drain(into: &ledger)
        let status = worker.wait()
        let elapsed = now - begin
        guard ready, status == 0 else { throw StressError("a rotation to measure its duration failed (status \(status))") }
        report.rotationMillis = Int(elapsed * 1000)
        return elapsed
    }

    /// What `rotate-secret --resume` does after a crash.
    static func resume(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) {
        var rotation = RotationOptions(home: context.home)
        rotation.hostname = StressContext.hostname
        rotation.checkProcesses = false
        do throws(RotationError) {
            _ = try SecretRotation.run(rotation, resumeOnly: true)
        } catch {
            if case .nothingToResume = error { return }
            report.resumeFailures += 1
            report.note("resume failed: \(error)")
        }
    }

    static func check(_ context: StressContext, _ expected: inout Expected, _ report: inout StressReport) {
        let key: SessionKey
        do { key = try MachineSecret.load(home: context.home).sessionKey(hostname: StressContext.hostname) } catch {
            report.unverifiableSessions += expected.valid.count - expected.broken.count
            expected.broken.formUnion(expected.valid.keys)
            report.note("machine_secret unusable after a rotation: \(error)")
            return
        }
        for (name, document) in expected.valid.sorted(by: { $0.key < $1.key }) where !expected.broken.contains(name) {
            guard let bytes = try? read(context.sessionsPath + "/" + name) else {
                expected.broken.insert(name)
                report.lostSessions += 1
                report.note("session \(name) is gone")
                continue
            }
            if (try? content(bytes)) != document {
                expected.broken.insert(name)
                report.lostSessions += 1
                report.note("session \(name) holds other content")
            } else if SessionSignature.verify(fileBytes: bytes, key: key).verdict != .valid {
                expected.broken.insert(name)
                report.unverifiableSessions += 1
                if report.unverifiableSessions <= 5 { report.note("session \(name) no longer verifies under the final secret (after kill \(report.kills))") }
            }
        }
        for (name, bytes) in expected.untouched where (try? read(StoreLayout.dataPath(home: context.home) + "/" + name)) != bytes {
            report.lostSessions += 1
            report.note("\(name) was changed; it must be left byte for byte")
        }
        // A staged secret without a journal (killed before the rotation began) is legitimate: the next run removes it.
        if (try? FileDescriptor.currentWorkingDirectory.status(of: StoreLayout.dataPath(home: context.home) + "/" + StoreLayout.rotationJournal)) != nil {
            report.resumeFailures += 1
            report.note("the rotation journal is left after the resume")
        }
    }

    static func content(_ bytes: [UInt8]) throws -> JSONObject {
        guard case var .object(object) = try StrictJSONDecoder().decode(bytes).value else { throw StressError("not an object") }
        object["signature"] = nil
        return object
    }

    static func read(_ path: String) throws -> [UInt8] {
        try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: 10 << 20)).bytes
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let (parent, name) = CheckedFileReader.splitPath(path)
        let directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
        defer { _ = try? directory.close() }
        try AtomicFileWriter.write(bytes, as: name, in: directory)
    }
}
