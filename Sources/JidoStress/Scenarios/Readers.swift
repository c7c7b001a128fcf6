import JidoCore
import JidoToolSupport

/// `readers`: R threads load and verify sessions continuously (through their own store, as another
/// process would) while T writer threads save. A reader must never see a torn file, an invalid
/// signature or a missing file: every session exists before the readers start.
enum ReadersScenario {
    static func run(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) throws {
        report.shape = [("writers", options.threads), ("readers", options.readers), ("sessions", options.sessions)]
        let plan = options.writerPlan()
        let ids = try (0..<options.sessions).map { slot in try SessionSlot(slot: Int32(slot), round: 0).id(seed: context.seed) }
        for id in ids { _ = try context.store.save(WriterPlan.newSession(id)) }
        let loader = try SessionStore.open(home: context.home, hostname: StressContext.hostname)
        let stop = StopFlag()
        let readers = (0..<options.readers).map { reader in
            JoinableThread { read(ids, with: loader, stream: UInt64(reader), seed: context.seed, until: stop) }
        }
        let probe = JoinableThread { context.probeLocks(sessions: options.sessions, rounds: plan.rounds, stop: stop) }
        let started = now
        let ledger = ThreadsScenario.runWriters(options.threads, plan, context)
        report.elapsed = now - started
        stop.raise()
        for reader in readers {
            let outcome = reader.join()
            report.reads += outcome.reads
            report.tornReads += outcome.failures
            report.note(outcome.notes)
        }
        report.add(probe.join())
        context.conclude(ledger, into: &report)
    }

    struct Outcome: Sendable {
        var reads = 0
        var failures = 0
        var notes = Notes()
    }

    /// Loads random sessions until `stop`: every load must find, verify and decode the file.
    static func read(_ ids: [SessionID], with store: SessionStore, stream: UInt64, seed: UInt64, until stop: StopFlag) -> Outcome {
        var outcome = Outcome()
        var generator = SplitMix64(seed: seed, stream: 0xEAD0_0000 + stream)
        while !stop.isRaised {
            let id = ids[generator.below(ids.count)]
            do throws(StoreError) {
                _ = try store.load(id)
            } catch {
                outcome.failures += 1
                outcome.notes.add("reading session \(id): \(error.logDescription)")
            }
            outcome.reads += 1
        }
        return outcome
    }
}
