/// `processes`: P worker processes × T threads on the same S sessions, so saves of one session
/// meet across processes at the session's `flock`.
enum ProcessesScenario {
    static func run(_ options: StressOptions, _ context: StressContext, _ report: inout StressReport) throws {
        report.shape = [("processes", options.processes), ("threads", options.threads), ("sessions", options.sessions)]
        let plan = options.writerPlan()
        var ledger = Ledger()
        var workers: [WorkerProcess] = []
        do {
            for process in 0..<options.processes {
                let base = process * options.threads
                ledger.register(base..<base + options.threads)
                let invocation = WorkerInvocation(home: context.home, base: base, threads: options.threads, plan: plan)
                workers.append(try WorkerProcess.spawn(options.workerExecutable, invocation))
            }
        } catch {
            for worker in workers { worker.kill(); _ = worker.wait() }
            throw error
        }
        for worker in workers { _ = worker.awaitReady(into: &ledger) }
        let stop = StopFlag()
        let probe = JoinableThread { context.probeLocks(sessions: options.sessions, rounds: plan.rounds, stop: stop) }
        let started = now
        WorkerProcess.drainAll(workers, into: &ledger)
        for worker in workers {
            let status = worker.wait()
            if status != 0 || !worker.isReady {
                report.workerFailures += 1
                report.note("worker \(worker.pid) ended with status \(status)\(worker.isReady ? "" : " before it was ready")")
            }
        }
        report.elapsed = now - started
        stop.raise()
        report.add(probe.join())
        context.conclude(ledger, into: &report)
    }
}
