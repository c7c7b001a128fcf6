import Foundation
import Glibc
import JidoCore
import JidoToolSupport

// The worker protocol. The parent starts the same binary (`/proc/self/exe worker ...`); the worker
// opens the store, prints `r` (ready), then its writer threads print one line per event, each with a
// single write(2) of less than PIPE_BUF bytes (atomic on a pipe), the acknowledgement only after
// the save returned:
//
//   a W I SLOT ROUND MICROS   saved: message wW.I is durable in session (SLOT, ROUND)
//   c W I                     covered: earlier skipped message wW.I was durable in that save
//   s W I SLOT ROUND          skipped (skip policy: the lock was busy; nothing written)
//   e W I SLOT ROUND REASON   failed
//
// The pipes and processes here use libc directly (pipe, read, write, close, posix_spawn, kill,
// waitpid): they are not files of the store, so they are the documented exception to "every libc
// file call goes through JidoCore's FileSystem/" (see FileSystem/Syscalls.swift).
//
// A SIGKILLed worker's lines up to the kill are in the pipe; its in-flight iteration is the one
// after the last it reported.

extension WriterEvent {
    var line: String {
        switch self {
        case let .saved(ref, key, micros): "a \(ref.writer) \(ref.iteration) \(key.slot) \(key.round) \(micros)\n"
        case let .covered(ref): "c \(ref.writer) \(ref.iteration)\n"
        case let .skipped(ref, key): "s \(ref.writer) \(ref.iteration) \(key.slot) \(key.round)\n"
        case let .failed(ref, key, reason):
            "e \(ref.writer) \(ref.iteration) \(key.slot) \(key.round) \(String(reason.prefix(300)).replacingOccurrences(of: "\n", with: " "))\n"
        }
    }

    init?(line: Substring) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: false)
        guard fields.count >= 3, let writer = Int(fields[1]), let iteration = Int(fields[2]) else { return nil }
        let ref = MessageRef(writer: writer, iteration: iteration)
        if fields[0] == "c", fields.count == 3 { self = .covered(ref); return }
        guard fields.count >= 5, let slot = Int32(fields[3]), let round = Int32(fields[4]) else { return nil }
        let key = SessionSlot(slot: slot, round: round)
        switch fields[0] {
        case "a": guard fields.count == 6, let micros = Int(fields[5]) else { return nil }; self = .saved(ref, key, micros: micros)
        case "s": guard fields.count == 5 else { return nil }; self = .skipped(ref, key)
        case "e": self = .failed(ref, key, reason: fields.count == 6 ? String(fields[5]) : "")
        default: return nil
        }
    }
}

/// What a worker process is asked to do: `threads` writers numbered from `base`, under `plan`.
struct WorkerInvocation: Equatable {
    var home: String
    var base: Int
    var threads: Int
    var plan: WriterPlan

    var arguments: [String] {
        var arguments = ["worker", "--home", home, "--seed", String(plan.seed), "--base", String(base), "--threads", String(threads),
                         "--sessions", String(plan.sessions), "--policy", plan.policy.rawValue]
        if let iterations = plan.iterations { arguments += ["--iterations", String(iterations)] }
        if let deadline = plan.deadline { arguments += ["--until", String(deadline)] }
        switch plan.rounds {
        case let .fixed(round): arguments += ["--round", String(round)]
        case let .rotating(period): arguments += ["--rotate", String(period)]
        }
        return arguments
    }

    init(home: String, base: Int, threads: Int, plan: WriterPlan) {
        self.home = home
        self.base = base
        self.threads = threads
        self.plan = plan
    }

    /// Parses what follows `worker`.
    init(_ argv: ArraySlice<String>) throws(UsageError) {
        let args = try ToolArguments(argv, values: ["home", "seed", "base", "threads", "sessions", "policy", "iterations", "until", "round", "rotate"])
        guard let home = args.value("home"), let seed = try args.unsigned("seed"),
              let policy = args.value("policy").flatMap(Policy.init(rawValue:)) else {
            throw UsageError("worker: --home, --seed and --policy are required")
        }
        let rounds: Rounds
        if let period = try args.seconds("rotate"), period > 0 {
            rounds = .rotating(period: period)
        } else {
            rounds = .fixed(Int32(try args.integer("round", default: 0, in: 0...Int(Int32.max))))
        }
        let iterations = args.value("iterations") == nil ? nil : try args.integer("iterations", default: 0, in: 1...Int.max)
        let deadline = try args.seconds("until")
        guard iterations != nil || deadline != nil else { throw UsageError("worker: --iterations or --until is required") }
        let plan = WriterPlan(seed: seed, sessions: try args.integer("sessions", default: 1, in: 1...100_000), policy: policy,
                              iterations: iterations, deadline: deadline, rounds: rounds)
        self.init(home: home, base: try args.integer("base", default: 0, in: 0...Int(Int32.max)),
                  threads: try args.integer("threads", default: 1, in: 1...256), plan: plan)
    }

    /// The worker's main: opens the store, says it is ready, runs the writers, reports every event.
    func run() -> ExitCode {
        let store: SessionStore
        let skipLocks: FileDescriptor?
        do {
            store = try SessionStore.open(home: home, hostname: StressContext.hostname)
            skipLocks = plan.policy == .skip ? try FileDescriptor.open(home + "/skip-locks", [.readOnly, .directory, .closeOnExec]) : nil
        } catch {
            StandardStream.error.write("jido-stress worker: \(Writer.describe(error))\n")
            return .cannotRun
        }
        Self.emit("r\n")
        _ = onThreads(threads) { [self] thread in
            Writer(index: base + thread, plan: plan, store: store, skipLocks: skipLocks).run { Self.emit($0.line) }
        }
        return .success
    }

    /// One line, one write(2). If the parent is gone there is nobody to report to: stop.
    private static func emit(_ line: String) {
        var bytes = Array(line.utf8)
        let written = bytes.withUnsafeMutableBytes { buffer in
            var n = -1
            repeat { n = Glibc.write(STDOUT_FILENO, buffer.baseAddress, buffer.count) } while n < 0 && errno == EINTR
            return n
        }
        if written != bytes.count { _exit(ExitCode.cannotRun.rawValue) }
    }
}

/// A worker process as the parent sees it: its pid and the read end of its stdout.
final class WorkerProcess {
    let pid: pid_t
    private let output: Int32
    private var pending: [UInt8] = []
    private(set) var isReady = false
    private(set) var atEnd = false

    private init(pid: pid_t, output: Int32) {
        self.pid = pid
        self.output = output
    }

    deinit { Glibc.close(output) }

    /// Starts `executable` with `invocation`'s arguments; stdout is a pipe to the parent, stderr is
    /// shared (a worker that cannot start says why there).
    static func spawn(_ executable: String, _ invocation: WorkerInvocation) throws -> WorkerProcess {
        try spawn(executable, arguments: invocation.arguments)
    }

    /// Starts `executable` with `arguments` (any worker: writers, a rotation).
    static func spawn(_ executable: String, arguments: [String]) throws -> WorkerProcess {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw StressError("pipe failed (errno \(errno))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + environment { free(pointer) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        Glibc.close(fds[1])
        guard status == 0 else {
            Glibc.close(fds[0])
            throw StressError("cannot start \(executable) (errno \(status))")
        }
        return WorkerProcess(pid: pid, output: fds[0])
    }

    /// Reads once (blocking until data or end of file) and records every complete line.
    func read(into ledger: inout Ledger) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { return }
            atEnd = true
            return ledger.protocolError("reading worker \(pid) failed (errno \(errno))")
        }
        if n == 0 {
            atEnd = true
            if !pending.isEmpty { ledger.protocolError("worker \(pid) ended in the middle of a line") }
            return
        }
        pending += chunk[..<n]
        guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
        let text = String(decoding: pending[...last], as: UTF8.self)
        pending.removeSubrange(...last)
        for line in text.split(separator: "\n") {
            if line == "r" {
                isReady = true
            } else if let event = WriterEvent(line: line) {
                ledger.record(event)
            } else {
                ledger.protocolError("unreadable line from worker \(pid): \(line.prefix(80))")
            }
        }
    }

    /// Reads until the worker is ready (false if it ended first).
    func awaitReady(into ledger: inout Ledger) -> Bool {
        while !isReady && !atEnd { read(into: &ledger) }
        return isReady
    }

    /// Reads everything up to end of file (the worker exited or was killed).
    func drain(into ledger: inout Ledger) {
        while !atEnd { read(into: &ledger) }
    }

    func kill() { _ = Glibc.kill(pid, SIGKILL) }

    /// Waits for the worker to end: its exit status, or the signal that ended it (negative).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -255 }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : -signal
    }

    /// Reads all workers' output as it comes (poll) until every one reached end of file.
    static func drainAll(_ workers: [WorkerProcess], into ledger: inout Ledger) {
        while true {
            let open = workers.filter { !$0.atEnd }
            guard !open.isEmpty else { return }
            var fds = open.map { pollfd(fd: $0.output, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else {
                for worker in open { worker.drain(into: &ledger) }
                return
            }
            for (worker, fd) in zip(open, fds) where fd.revents != 0 { worker.read(into: &ledger) }
        }
    }
}
