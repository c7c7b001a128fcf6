import Glibc
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-bench parallel`: multi-file verification and the audit at 1...N threads against single-core
/// bare HMAC-SHA256 over the same bytes.
enum ParallelCommand {
    static let usage = """
        usage: jido-bench parallel --dir DIR [--hostname H] [--rounds R] [--max-jobs N] [--json]

          --dir DIR        home directory of the store (DIR/.jido_code/machine_secret and sessions/*.json)
          --hostname H     hostname the store was signed for (default bench-host)
          --rounds R       timed rounds (default 5)
          --max-jobs N     measure 1...N threads (default: the processors online)
          --json           print one JSON object instead of the table

        Each round times, back to back: bare HMAC-SHA256 over every file, on one thread, the files
        already in memory (the baseline); then for each number of threads J:
          verify    what `jido-audit verify --jobs J FILE...` does per file, from the page cache: open,
                    fstat, read, SessionFile.verifyWithAmbiguity, answers delivered in file order
          audit     Auditor.run with jobs J (the whole audit of DIR; the key comes from the cache)
          read      the same reads (into each thread's reused buffer) without verification: what reading costs
          hmac      bare HMAC over the in-memory files on J threads (what the machine gives)
        cpu = user+system seconds of the process / wall seconds (how many cores were busy). The key
        derivation (PBKDF2, one chained computation: it cannot be split over threads) is timed once
        and left out of the rounds, as `jido-bench verify` does. ratio = median over rounds of
        (MB/s) / (single-core HMAC MB/s of the same round); MB = 10^6 bytes. The machine's load
        average is printed before and after: on a shared machine the scaling is only as good as the
        idle cores.

        A >= 100 MB store: jido-bench generate --dir D --sessions 480 --seed 3
        """

    struct Options {
        var dir: String
        var hostname: String
        var rounds: Int
        var maxJobs: Int
        var json: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ argv: ArraySlice<String>) -> ExitCode {
        let options: Options
        do throws(UsageError) {
            let args = try ToolArguments(argv, values: ["dir", "hostname", "rounds", "max-jobs"], flags: ["json"], acceptsHelp: true)
            if args.wantsHelp {
                print(usage)
                return .success
            }
            options = Options(
                dir: try args.required("dir"),
                hostname: args.value("hostname") ?? GenerateCommand.defaultHostname,
                rounds: try args.integer("rounds", default: 5, in: 1...1_000),
                maxJobs: try args.integer("max-jobs", default: ParallelMap.availableCores, in: 1...64),
                json: args.flag("json"))
        } catch {
            return usageFailure(error.message, usage: usage)
        }
        do {
            return try benchmark(options)
        } catch {
            writeError("jido-bench parallel: \(error)")
            return .cannotRun
        }
    }

    /// One timed pass: wall seconds and the process's CPU seconds over them.
    struct Pass {
        var wall: Double
        var cpu: Double
    }

    /// The passes of one measurement over the rounds.
    struct Series {
        var passes: [Pass] = []

        /// MB/s of the median pass, the median ratio to the same rounds' baseline, the median CPU use.
        func figures(bytes: Int, baseline: [Pass]) -> Figures {
            var figures = Figures()
            let rates = passes.map { Double(bytes) / 1e6 / max($0.wall, 1e-9) }.sorted()
            let ratios = zip(passes, baseline).map { pass, base in base.wall / max(pass.wall, 1e-9) }.sorted()
            figures.add("mb_s", Throughput.median(rates), decimals: 1)
            figures.add("ratio", Throughput.median(ratios))
            figures.add("ratio_min", ratios.first ?? 0)
            figures.add("ratio_max", ratios.last ?? 0)
            figures.add("cpu", Throughput.median(passes.map { $0.cpu / max($0.wall, 1e-9) }.sorted()), decimals: 2)
            return figures
        }
    }

    static func benchmark(_ options: Options) throws -> ExitCode {
        let load = loadAverage()
        let loaded: StoreFiles.LoadedStore
        do { loaded = try StoreFiles.loadStore(home: options.dir) } catch { throw Failure(description: "cannot read \(error)") }
        let (secret, files) = (loaded.secret, loaded.files)
        let paths = loaded.names.map { PathBytes(loaded.sessionsDirectory + "/" + $0) }
        let bytes = files.reduce(0) { $0 + $1.count }
        var key: SessionKey?
        let derivation = MonotonicTimer.measure { key = try? SessionKey.derive(machineSecret: secret, hostname: options.hostname) }
        guard let key else { throw Failure(description: "cannot derive the key") }
        var configuration = AuditConfiguration(home: options.dir)
        configuration.hostname = options.hostname

        // Untimed warm-up: every file must verify, and the audit's key is derived into the cache.
        let valid = verifyAll(paths, key: key, jobs: options.maxJobs)
        guard valid == files.count else {
            writeError("jido-bench parallel: \(files.count - valid) of \(files.count) files do not verify valid under hostname \(options.hostname)")
            return .findings
        }
        let auditBytes: Int
        do { auditBytes = try Auditor.run(configuration).bytesRead } catch { throw Failure(description: "the audit cannot run: \(error.description)") }
        var baseline = Series()
        let jobsRange = Array(1...options.maxJobs)
        var verify = Array(repeating: Series(), count: jobsRange.count), audit = verify, read = verify, hmac = verify
        var sink = 0
        for _ in 0..<options.rounds {
            baseline.passes.append(timed { sink &+= hmacAll(files, key: key, jobs: 1) })
            for (slot, jobs) in jobsRange.enumerated() {
                verify[slot].passes.append(timed { sink &+= verifyAll(paths, key: key, jobs: jobs) })
                configuration.jobs = jobs
                let auditConfiguration = configuration
                audit[slot].passes.append(timed { sink &+= (try? Auditor.run(auditConfiguration).bytesRead) ?? 0 })
                read[slot].passes.append(timed { sink &+= readAll(paths, jobs: jobs) })
                hmac[slot].passes.append(timed { sink &+= hmacAll(files, key: key, jobs: jobs) })
            }
        }
        if sink == Int.min { print("") } // keeps the timed results observable

        var figures = Figures()
        figures.add("files", files.count)
        figures.add("bytes", bytes)
        figures.add("audit_bytes", auditBytes)
        figures.add("rounds", options.rounds)
        figures.add("load_before", load)
        figures.add("load_after", loadAverage())
        figures.add("key_derivation_s", derivation)
        figures.add("hmac_1_mb_s", Throughput.median(baseline.passes.map { Double(bytes) / 1e6 / max($0.wall, 1e-9) }.sorted()), decimals: 1)
        var rows: [Figures] = []
        for (slot, jobs) in jobsRange.enumerated() {
            var row = Figures()
            row.add("jobs", jobs)
            row.add("verify", verify[slot].figures(bytes: bytes, baseline: baseline.passes))
            row.add("audit", audit[slot].figures(bytes: auditBytes, baseline: baseline.passes.map { Pass(wall: $0.wall * Double(auditBytes) / Double(bytes), cpu: $0.cpu) }))
            row.add("read", read[slot].figures(bytes: bytes, baseline: baseline.passes))
            row.add("hmac", hmac[slot].figures(bytes: bytes, baseline: baseline.passes))
            rows.append(row)
        }
        figures.add("by_jobs", rows: rows)
        if options.json {
            figures.print(json: true)
        } else {
            print("store: \(options.dir), \(files.count) files, \(format(Double(bytes) / 1e6, 1)) MB (hostname \(options.hostname), "
                  + "\(options.rounds) rounds); ratio = MB/s / single-core bare HMAC MB/s")
            figures.print(json: false)
            if let best = rows.indices.last {
                let ratio = Throughput.median(zip(verify[best].passes, baseline.passes).map { $1.wall / max($0.wall, 1e-9) }.sorted())
                let auditRatio = Throughput.median(zip(audit[best].passes, baseline.passes).map {
                    $1.wall * Double(auditBytes) / Double(bytes) / max($0.wall, 1e-9)
                }.sorted())
                print("\nverify at \(jobsRange[best]) threads: \(format(ratio, 2))x single-core HMAC [goal >= 1.6: \(ratio >= 1.6 ? "met" : "NOT met")]; "
                      + "audit: \(format(auditRatio, 2))x [goal >= 1.28 (0.8 of 1.6): \(auditRatio >= 1.28 ? "met" : "NOT met")]; "
                      + "load average \(load) before")
            }
        }
        return .success
    }

    /// Runs `body` once: wall seconds, and user+system seconds of the whole process meanwhile.
    static func timed(_ body: () -> Void) -> Pass {
        let cpuBefore = ProcessUsage.current().cpuSeconds
        let wall = MonotonicTimer.measure(body)
        return Pass(wall: wall, cpu: ProcessUsage.current().cpuSeconds - cpuBefore)
    }

    /// The 1-, 5- and 15-minute load averages (`/proc/loadavg`), or `unknown`.
    static func loadAverage() -> String {
        // A /proc file reports size 0: read to end of file, not to the size fstat gives.
        guard let fd = try? FileDescriptor.open(PathBytes("/proc/loadavg"), [.readOnly, .closeOnExec]),
              let text = fd.closeAfter({ try? $0.readAll(limit: 4096).bytes }) else { return "unknown" }
        return String(decoding: text, as: UTF8.self).split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// `jido-audit verify`'s per-file work on `jobs` threads, in file order: the number of valid files.
    static func verifyAll(_ paths: [PathBytes], key: SessionKey, jobs: Int) -> Int {
        var valid = 0
        let limits = JSONLimits.default
        ParallelMap.forEachInOrder(paths.count, jobs: jobs, perThread: { ReadBuffer(capacity: 1 << 17) }, { buffer, index -> Bool in
            guard (try? CheckedFileReader.read(path: paths[index], policy: FilePolicy(maxBytes: limits.maxInputBytes), into: buffer)) != nil
            else { return false }
            return buffer.withBytes { SessionFile.verifyWithAmbiguity(bytes: $0, key: key, limits: limits).0.verdict == .valid }
        }, deliver: { _, isValid in valid += isValid ? 1 : 0 })
        return valid
    }

    /// The same reads, without verification: the bytes read.
    static func readAll(_ paths: [PathBytes], jobs: Int) -> Int {
        var total = 0
        ParallelMap.forEachInOrder(paths.count, jobs: jobs, perThread: { ReadBuffer(capacity: 1 << 17) }, { buffer, index in
            (try? CheckedFileReader.read(path: paths[index], policy: FilePolicy(maxBytes: JSONLimits.default.maxInputBytes), into: buffer))
                .map { _ in buffer.count } ?? 0
        }, deliver: { _, count in total += count })
        return total
    }

    /// Bare HMAC over each in-memory file on `jobs` threads; the sum of the first tag bytes.
    static func hmacAll(_ files: [[UInt8]], key: SessionKey, jobs: Int) -> Int {
        ParallelMap.map(files.count, jobs: jobs) { index in
            (try? files[index].withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }).map { Int($0.bytes[0]) } ?? 0
        }.reduce(0, &+)
    }
}
