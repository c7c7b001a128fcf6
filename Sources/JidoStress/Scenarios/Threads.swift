/// `threads`: T writer threads of one process append to S sessions through one store.
enum ThreadsScenario {
    static func run(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) {
        report.shape = [("threads", options.threads), ("sessions", options.sessions)]
        let plan = options.writerPlan()
        let stop = StopFlag()
        let probe = JoinableThread { context.probeLocks(sessions: options.sessions, rounds: plan.rounds, stop: stop) }
        let started = now
        let ledger = runWriters(options.threads, plan, context)
        report.elapsed = now - started
        stop.raise()
        report.add(probe.join())
        context.conclude(ledger, into: &report)
    }

    /// Runs writers `0..<count` on their own threads, each recording into its own ledger; merged.
    static func runWriters(_ count: Int, _ plan: WriterPlan, _ context: StressContext) -> Ledger {
        let ledgers = onThreads(count) { index in
            var ledger = Ledger()
            ledger.register(index..<index + 1)
            Writer(index: index, plan: plan, store: context.store, skipLocks: context.skipLocks).run { ledger.record($0) }
            return ledger
        }
        return ledgers.reduce(into: Ledger()) { $0.merge($1) }
    }
}
