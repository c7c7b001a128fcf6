import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoStress

/// Small runs of every scenario find no violation under the default policy; the skip policy loses
/// updates and the harness reports them; and every invariant the harness checks can fail.
@Suite(.serialized) struct StressTests {
    static let worker = productsDirectory().appendingPathComponent("jido-stress").path

    func options(_ scenario: Scenario, _ policy: Policy = .update, _ configure: (inout StressOptions) -> Void = { _ in }) -> StressOptions {
        var options = StressOptions(scenario, seed: 42)
        options.policy = policy
        options.sessions = 2
        options.workerExecutable = Self.worker
        configure(&options)
        return options
    }

    @Test func threadsLoseNoUpdate() throws {
        let report = try StressCommand.run(options(.threads) { $0.threads = 4; $0.iterations = 40 })
        #expect(report.violations == 0, "\(report.text)")
        #expect(report.saves == 160 && report.saveLatency.count == 160)
    }

    @Test func processesLoseNoUpdate() throws {
        let report = try StressCommand.run(options(.processes) { $0.processes = 3; $0.threads = 2; $0.iterations = 20 })
        #expect(report.violations == 0, "\(report.text)")
        #expect(report.saves == 120)
    }

    @Test func readersNeverSeeATornOrMissingFile() throws {
        let report = try StressCommand.run(options(.readers) { $0.threads = 2; $0.readers = 2; $0.iterations = 40 })
        #expect(report.violations == 0, "\(report.text)")
        #expect(report.saves == 80 && report.reads > 0)
    }

    @Test func killedWritersLeaveValidFilesNoStaleLockAndNoTemporary() throws {
        let report = try StressCommand.run(options(.crash) { $0.processes = 2; $0.threads = 2; $0.kills = 8 })
        #expect(report.violations == 0, "\(report.text)")
        #expect(report.kills == 8 && report.saves > 0 && report.lockWait.count == 4 * 2)
    }

    /// The harness can fail: JidoCode's rule (per-writer state, full replacement, skip when busy)
    /// loses acknowledged messages, within a process and across processes, and the run says so.
    @Test(arguments: [Scenario.threads, .processes])
    func skipPolicyLosesUpdatesAndIsCaught(_ scenario: Scenario) throws {
        let report = try StressCommand.run(options(scenario, .skip) { $0.threads = 2; $0.processes = 2; $0.sessions = 1; $0.iterations = 30 })
        #expect(report.lostUpdates > 0, "\(report.text)")
        #expect(report.violations >= report.lostUpdates)
        #expect(report.unexpectedMessages == 0 && report.tornReads == 0)
    }

    /// Rotations SIGKILLed at random instants and resumed lose no session and leave none unverifiable;
    /// the deliberately unsafe order (secret switched first, no journal) is caught by the same checks.
    @Test func killedRotationsResumeWithoutLosingASession() throws {
        let report = try StressCommand.run(options(.rotate) { $0.kills = 6; $0.sessions = 8 })
        #expect(report.kills == 6 && report.violations == 0, "\(report.text)")
        let unsafe = try StressCommand.run(options(.rotate) { $0.kills = 6; $0.sessions = 8; $0.unsafeRotation = true })
        #expect(unsafe.unverifiableSessions > 0 && unsafe.violations > 0, "\(unsafe.text)")
    }

    /// Each of the other checks fires on planted damage.
    @Test func everyCheckCanFail() throws {
        let context = try StressContext(directory: nil, seed: 7)
        defer { context.close() }
        let plan = WriterPlan(seed: 7, sessions: 2, policy: .update, iterations: 10, deadline: nil, rounds: .fixed(0))
        let ledger = ThreadsScenario.runWriters(2, plan, context)
        #expect(context.check(ledger).lost.isEmpty && context.check(ledger).unexpected.isEmpty)
        let first = SessionSlot(slot: 0, round: 0), second = SessionSlot(slot: 1, round: 0)
        let ids = try [first, second].map { try $0.id(seed: 7) }

        // A message nobody attempted, and a message of the other session: unexpected.
        var session = try context.store.load(ids[0])
        session.append(Session.Message(id: "w0.99", role: .user, content: "m", timestamp: WriterPlan.timestamp))
        let stranger = ledger.logs[0]?.firstIndex { $0.key == second } ?? 0
        session.append(Session.Message(id: "w0.\(stranger)", role: .user, content: "m", timestamp: WriterPlan.timestamp))
        try context.store.save(session)
        #expect(context.check(ledger).unexpected.count == 2)

        // A dropped acknowledged message: lost.
        try context.store.save(WriterPlan.newSession(ids[0]))
        let acknowledged = ledger.logs.values.reduce(0) { $0 + $1.filter { $0.key == first && $0.acknowledged }.count }
        #expect(context.check(ledger).lost.count == acknowledged && acknowledged > 0)

        // A flipped byte: the load fails verification, a torn read.
        let path = context.sessionsPath + "/" + StoreLayout.sessionFile(ids[1])
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        if let i = bytes.firstIndex(of: UInt8(ascii: "m")) { bytes[i] = UInt8(ascii: "n") }
        try writeFile(path, bytes)
        #expect(context.check(ledger).tornReads == 1)

        // A held lock is stale once no writer runs; a planted temporary is found.
        let held = try FileLock.acquire(ids[1].rawValue + ".lock", in: context.locks, timeout: .seconds(1))
        #expect(context.heldLocks([first, second]) == [ids[1].rawValue + ".lock"])
        #expect(context.lockWait(second, timeout: 0.05) == nil)
        held.release()
        #expect(context.heldLocks([first, second]).isEmpty)
        try writeFile(context.sessionsPath + "/." + StoreLayout.sessionFile(ids[0]) + ".0123456789abcdef.tmp", Array("partial".utf8))
        #expect(context.temporaryFiles().count == 1)
        #expect(context.store.removeStaleTemporaryFiles() == 1 && context.temporaryFiles().isEmpty)
    }

    @Test func workerLinesRoundTrip() {
        let key = SessionSlot(slot: 3, round: 17)
        let ref = MessageRef(writer: 12, iteration: 345)
        for event in [WriterEvent.saved(ref, key, micros: 1234), .covered(ref), .skipped(ref, key), .failed(ref, key, reason: "lock timeout after 10 s")] {
            #expect(WriterEvent(line: event.line.dropLast()) == event)
        }
        #expect(WriterEvent(line: "a 1 2 3") == nil && WriterEvent(line: "x 1 2 3 4") == nil && WriterEvent(line: "") == nil)
        #expect(MessageRef("w12.345") == ref && MessageRef("w12") == nil && MessageRef("probe") == nil && MessageRef("w-1.2") == nil)
    }

    @Test func latencyPercentilesAreWithinThreePercent() {
        var histogram = LatencyHistogram()
        for micros in 1...100_000 { histogram.record(micros: micros) }
        #expect(abs(histogram.percentile(0.5) - 50) / 50 < 0.03)
        #expect(abs(histogram.percentile(0.99) - 99) / 99 < 0.03)
        #expect(histogram.maxMilliseconds == 100 && histogram.percentile(1) == 100)
    }

    /// The executable's contract: JSON fields, exit statuses 0 / 1 / 2.
    @Test func commandLineJSONAndExitStatuses() throws {
        let clean = try runProduct("jido-stress", ["threads", "--threads", "2", "--sessions", "1", "--iterations", "10", "--seed", "3", "--json"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        for field in ["saves", "lost_updates", "torn_reads", "stale_locks", "leftover_temp_files", "violations"] {
            #expect(object[field] is Int, "\(field)")
        }
        #expect(object["saves"] as? Int == 20 && object["violations"] as? Int == 0)

        let lossy = try runProduct("jido-stress", ["processes", "--processes", "2", "--threads", "2", "--sessions", "1", "--iterations", "20",
                                                   "--policy", "skip"])
        #expect(lossy.status == 1 && lossy.stdout.contains("lost updates"), "\(lossy.stdout)")

        for bad in [[], ["fork-bomb"], ["threads", "--kills", "3"], ["crash", "--iterations", "3"], ["threads", "--iterations", "1", "--duration", "1"],
                    ["threads", "--policy", "never"], ["threads", "--seed", "-1"]] {
            #expect(try runProduct("jido-stress", bad).status == 2, "\(bad)")
        }
    }
}
