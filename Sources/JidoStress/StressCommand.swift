import Foundation
public import JidoToolSupport
import JidoCore

/// `jido-stress`: concurrency and crash-injection scenarios over the session store.
public enum StressCommand {
    /// The executable's main: runs a scenario (or, hidden, a worker) and returns the exit status:
    /// `.success` no violation, `.findings` violations, `.usage`, `.cannotRun` the harness failed.
    public static func main(_ arguments: [String]) -> ExitCode {
        if arguments.first == "rotate-worker" {
            return RotateScenario.worker(Array(arguments.dropFirst()))
        }
        if arguments.first == "worker" {
            do { return try WorkerInvocation(arguments.dropFirst()).run() } catch {
                return usageFailure(error.description)
            }
        }
        if arguments.isEmpty || ["-h", "--help", "help"].contains(arguments[0]) || arguments.contains("--help") {
            if arguments.isEmpty { return usageFailure("missing scenario") }
            print(StressOptions.usage)
            return .success
        }
        let options: StressOptions
        do { options = try StressOptions.parse(arguments) } catch { return usageFailure(error.description) }
        do {
            let report = try run(options)
            print(options.json ? report.json : report.text)
            return report.violations == 0 ? .success : .findings
        } catch let error as UsageError {
            return usageFailure(error.description)
        } catch {
            writeError("jido-stress: \(Writer.describe(error))")
            return .cannotRun
        }
    }

    /// Runs one scenario in a fresh store and returns what it found.
    public static func run(_ options: StressOptions) throws -> StressReport {
        let context = try StressContext(directory: options.directory, seed: options.seed)
        defer { context.close() }
        var report = StressReport(options)
        switch options.scenario {
        case .threads: ThreadsScenario.run(options, context, &report)
        case .processes: try ProcessesScenario.run(options, context, &report)
        case .readers: try ReadersScenario.run(options, context, &report)
        case .crash: try CrashScenario.run(options, context, &report)
        case .rotate: try RotateScenario.run(options, context, &report)
        }
        return report
    }

    static func usageFailure(_ message: String) -> ExitCode {
        writeError("jido-stress: \(message)\n\n\(StressOptions.usage)")
        return .usage
    }

    static func writeError(_ text: String) {
        StandardStream.error.write(text + "\n")
    }
}

extension StressOptions {
    /// What every writer thread of the run does.
    func writerPlan() -> WriterPlan {
        WriterPlan(seed: seed, sessions: sessions, policy: policy, iterations: iterations, deadline: duration.map { now + $0 },
                   rounds: rotate > 0 ? .rotating(period: rotate) : .fixed(0))
    }
}

extension StressContext {
    /// The final checks, once every writer has stopped: the files against the ledger, no lock
    /// held, no temporary left.
    func conclude(_ ledger: Ledger, findings earlier: Findings = Findings(), into report: inout StressReport) {
        var findings = earlier
        findings.merge(check(ledger))
        report.add(ledger)
        report.add(findings)
        for name in heldLocks(ledger.keys) {
            report.staleLocks += 1
            report.note("lock \(name) is still held after every writer stopped")
        }
        let temporaries = temporaryFiles()
        report.leftoverTempFiles = max(report.leftoverTempFiles, temporaries.count)
        for name in temporaries { report.note("temporary \(name) left behind") }
    }
}
