import Glibc
import JidoCore
import JidoToolSupport

/// `crash`: each cycle starts P writer processes, SIGKILLs each 5–50 ms after it reported ready,
/// and then checks: no lock is held by the dead (each session's lock is taken within a bound), stray
/// temporaries are removed by `removeStaleTemporaryFiles` and none is left, every session file loads,
/// verifies and holds a state some save wrote, and the next save of every session succeeds within
/// the bound. Sessions rotate every `cyclesPerRound` cycles, so files stay small however many kills.
enum CrashScenario {
    static let cyclesPerRound = 10
    /// The probe saves of the parent are writer 0; workers are numbered from 1.
    static let probeWriter = 0

    static func run(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) throws {
        report.shape = [("processes", options.processes), ("threads", options.threads), ("sessions", options.sessions)]
        var ledger = Ledger()
        ledger.register(probeWriter..<probeWriter + 1)
        var findings = Findings()
        var leftovers: Set<String> = []
        var generator = SplitMix64(seed: options.seed, stream: 0xC4A5)
        let deadline = options.duration.map { now + $0 }
        let started = now
        var cycle = 0
        var nextWriter = probeWriter + 1
        while deadline.map({ now < $0 }) ?? (report.kills < options.kills) {
            let round = Int32(cycle / cyclesPerRound)
            let keys = (0..<options.sessions).map { SessionSlot(slot: Int32($0), round: round) }
            // Workers run until killed; the deadline only stops one whose parent is gone.
            let plan = WriterPlan(seed: options.seed, sessions: options.sessions, policy: options.policy, iterations: nil,
                                  deadline: now + 120, rounds: .fixed(round))
            let count = deadline == nil ? min(options.processes, options.kills - report.kills) : options.processes
            var workers: [WorkerProcess] = []
            for _ in 0..<count {
                ledger.register(nextWriter..<nextWriter + options.threads)
                let invocation = WorkerInvocation(home: context.home, base: nextWriter, threads: options.threads, plan: plan)
                nextWriter += options.threads
                do { workers.append(try WorkerProcess.spawn(options.workerExecutable, invocation)) } catch {
                    for worker in workers { worker.kill(); _ = worker.wait() }
                    throw error
                }
            }
            var schedule: [(at: Double, worker: WorkerProcess)] = []
            for worker in workers where worker.awaitReady(into: &ledger) {
                schedule.append((now + generator.uniform(0.005, 0.050), worker))
            }
            for (at, worker) in schedule.sorted(by: { $0.at < $1.at }) {
                pause(at - now)
                worker.kill()
                report.kills += 1
            }
            for worker in workers {
                let status = worker.wait()
                worker.drain(into: &ledger)
                if status != -SIGKILL || !worker.isReady {
                    report.workerFailures += 1
                    report.note("worker \(worker.pid) ended with status \(status) instead of being killed")
                }
            }
            afterKill(keys, context, &ledger, &findings, &leftovers, &report)
            cycle += 1
        }
        report.elapsed = now - started
        report.leftoverTempFiles = leftovers.count
        context.conclude(ledger, findings: findings, into: &report)
    }

    /// The checks after a kill, in order: locks, temporaries, the files, the next save.
    static func afterKill(_ keys: [SessionSlot], _ context: StressContext, _ ledger: inout Ledger, _ findings: inout Findings,
                          _ leftovers: inout Set<String>, _ report: inout StressReport) {
        for key in keys {
            if let waited = context.lockWait(key, timeout: StressContext.saveBound) {
                report.lockWait.record(micros: Int(waited * 1e6))
            } else {
                report.staleLocks += 1
                report.note("after a kill, the lock of session slot \(key.slot) round \(key.round) stayed held")
            }
        }
        report.strayTempFilesRemoved += context.store.removeStaleTemporaryFiles()
        for name in context.temporaryFiles() where leftovers.insert(name).inserted {
            report.note("temporary \(name) left after removeStaleTemporaryFiles")
        }
        findings.merge(context.check(ledger, keys: Set(keys)))
        for key in keys {
            let ref = MessageRef(writer: probeWriter, iteration: ledger.logs[probeWriter]?.count ?? 0)
            let message = Session.Message(id: ref.description, role: .user, content: "probe", timestamp: WriterPlan.timestamp)
            let started = now
            do {
                let id = try key.id(seed: context.seed)
                _ = try context.store.update(id) { session in
                    var current = session ?? WriterPlan.newSession(id)
                    current.append(message)
                    session = current
                }
                let waited = now - started
                ledger.record(.saved(ref, key, micros: Int(waited * 1e6)))
                if waited > StressContext.saveBound {
                    report.staleLocks += 1
                    report.note(String(format: "the first save after a kill took %.2f s", waited))
                }
            } catch {
                ledger.record(.failed(ref, key, reason: Writer.describe(error)))
            }
        }
    }
}
