public import JidoToolSupport

/// The four scenarios.
public enum Scenario: String, CaseIterable, Sendable {
    case threads, processes, readers, crash, rotate
}

/// How writers save.
public enum Policy: String, Sendable {
    /// `SessionStore.update`: the transform is applied to the latest durable state (no lost update).
    case update
    /// JidoCode's rule, reproduced in the harness: per-writer in-memory state saved as a full
    /// replacement, and a save that finds the (harness's own) lock busy is skipped.
    case skip
}

/// One run's settings. The defaults per scenario keep each run well under a minute on 2 cores.
public struct StressOptions: Sendable {
    public var scenario: Scenario
    public var seed: UInt64
    /// Iterations per writer thread; nil with a `duration`.
    public var iterations: Int?
    /// Seconds of writing (crash: of kill cycles) instead of a count.
    public var duration: Double?
    /// The store's home (the store is `<directory>/.jido_code`); nil: a fresh temp dir, removed after.
    public var directory: String?
    public var policy: Policy = .update
    public var json = false
    /// Writer threads per process (readers: writer threads).
    public var threads: Int
    public var processes: Int
    public var sessions: Int
    public var readers: Int
    /// SIGKILLs delivered (crash).
    public var kills: Int
    /// Seconds after which writers move to fresh sessions (0: never), to bound file growth in soaks.
    public var rotate: Double = 0
    /// rotate: the deliberately non-crash-safe order (the negative control; the run must report violations).
    public var unsafeRotation = false
    /// What the parent spawns as a worker; tests point it at the built `jido-stress`.
    public var workerExecutable = "/proc/self/exe"

    public init(_ scenario: Scenario, seed: UInt64? = nil) {
        self.scenario = scenario
        self.seed = seed ?? UInt64.random(in: 1...UInt64(Int64.max))
        (threads, processes, sessions, readers, kills, iterations) = switch scenario {
        case .threads: (8, 1, 4, 0, 0, 250)
        case .processes: (2, 4, 4, 0, 0, 200)
        case .readers: (4, 1, 4, 4, 0, 250)
        case .crash: (2, 2, 4, 0, 100, nil)
        case .rotate: (1, 1, 24, 0, 200, nil)
        }
    }

    public static let usage = """
        usage: jido-stress SCENARIO [--seed N] [--iterations N | --duration SECONDS] [--dir DIR]
                                    [--policy update|skip] [--json] [scenario options]

        scenarios (defaults in brackets; N is per writer thread):
          threads    --threads T [8] writers append to --sessions S [4] sessions, N [250] each
          processes  --processes P [4] x --threads T [2] writers on the same S [4] sessions, N [200] each
          readers    --readers R [4] load and verify without pause while --threads T [4] writers
                     append to S [4] sessions, N [250] each
          crash      --processes P [2] x --threads T [2] writers on S [4] sessions, each process
                     SIGKILLed 5-50 ms after it is ready, --kills K [100] in all (--duration: cycles
                     until then); after each kill the locks, temporaries, files and next save are checked

          rotate     jido-audit rotate-secret's rotation of S [24] sessions (plus a tampered and a stray
                     file) SIGKILLed at a random instant, --kills K [200] times, each followed by --resume;
                     checked: every session valid before is valid under the final secret with its content,
                     the rest is untouched, no journal is left. Kill times are drawn over a rotation's
                     duration, re-measured every 20 kills. --unsafe-rotation: a deliberately non-crash-safe
                     order (secret switched first, no journal) that the run must catch

          --seed N           reproduces a run's choices (sessions, kill delays); random by default, printed
          --rotate SECONDS   (threads, processes) move to fresh sessions every SECONDS, bounding file size
          --policy skip      JidoCode's rule: per-writer state saved whole, skipped when the lock is busy;
                             it loses updates, and the run must report them
          --json             one JSON object instead of the table
          --dir DIR          the store's home (DIR/.jido_code, new); default a temporary directory, removed

        Each iteration appends a uniquely numbered message and saves it. Checked: every acknowledged
        message is in the final file (lost updates); nothing never attempted, duplicated or out of
        order is (unexpected messages); every load verifies (torn reads); no lock outlives its holder
        (stale locks); no temporary is left; no save fails. Lock wait: a probe taking the sessions'
        locks as another process's writer would.
        exit status: 0 no violation, 1 violations, 2 usage, 3 the harness failed
        """

    /// Parses `SCENARIO [options]`.
    public static func parse(_ argv: [String]) throws(UsageError) -> StressOptions {
        guard let first = argv.first else { throw UsageError("missing scenario") }
        guard let scenario = Scenario(rawValue: first) else { throw UsageError("unknown scenario '\(first)'") }
        let allowed: Set<String> = switch scenario {
        case .threads: ["threads", "sessions", "rotate", "iterations"]
        case .processes: ["processes", "threads", "sessions", "rotate", "iterations"]
        case .readers: ["threads", "readers", "sessions", "iterations"]
        case .crash: ["processes", "threads", "sessions", "kills"]
        case .rotate: ["sessions", "kills"]
        }
        let args = try ToolArguments(argv.dropFirst(), values: allowed.union(["seed", "duration", "dir", "policy"]),
                                     flags: scenario == .rotate ? ["json", "unsafe-rotation"] : ["json"])
        var options = StressOptions(scenario, seed: try args.unsigned("seed"))
        options.threads = try args.integer("threads", default: options.threads, in: 1...256)
        options.processes = try args.integer("processes", default: options.processes, in: 1...64)
        options.sessions = try args.integer("sessions", default: options.sessions, in: 1...100_000)
        options.readers = try args.integer("readers", default: options.readers, in: 1...256)
        options.kills = try args.integer("kills", default: options.kills, in: 1...10_000_000)
        options.rotate = try args.seconds("rotate") ?? 0
        options.directory = args.value("dir")
        options.json = args.flag("json")
        options.unsafeRotation = args.flag("unsafe-rotation")
        if let policy = args.value("policy") {
            guard let value = Policy(rawValue: policy) else { throw UsageError("--policy must be update or skip, not '\(policy)'") }
            options.policy = value
        }
        if let duration = try args.seconds("duration") {
            guard args.value("iterations") == nil else { throw UsageError("give --iterations or --duration, not both") }
            guard duration > 0 else { throw UsageError("--duration must be positive") }
            options.duration = duration
            options.iterations = nil
        } else if args.value("iterations") != nil {
            options.iterations = try args.integer("iterations", default: 0, in: 1...1_000_000_000)
        }
        return options
    }
}
