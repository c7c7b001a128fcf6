import Foundation
import JidoCore

/// Latencies in microseconds, in log-linear buckets (values below 64 µs exact, then 32 buckets per
/// power of two: percentiles within 3%), so an hours-long soak keeps a few KB, not every sample.
public struct LatencyHistogram: Sendable {
    private var buckets = [Int](repeating: 0, count: 64 * 32)
    public private(set) var count = 0
    public private(set) var maxMicros = 0

    public init() {}

    mutating func record(micros: Int) {
        let value = max(micros, 0)
        buckets[Self.bucket(value)] += 1
        count += 1
        maxMicros = max(maxMicros, value)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in buckets.indices { buckets[i] += other.buckets[i] }
        count += other.count
        maxMicros = max(maxMicros, other.maxMicros)
    }

    private static func bucket(_ value: Int) -> Int {
        guard value >= 64 else { return value }
        let exponent = Int.bitWidth - 1 - value.leadingZeroBitCount  // >= 6
        return (exponent - 4) * 32 + ((value >> (exponent - 5)) & 31)
    }

    /// The largest value bucket `index` holds.
    private static func upperBound(_ index: Int) -> Int {
        guard index >= 64 else { return index }
        let exponent = index / 32 + 4
        return ((32 + index % 32 + 1) << (exponent - 5)) - 1
    }

    /// The `fraction` quantile in milliseconds (0 with no samples); never above the true maximum.
    public func percentile(_ fraction: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for (index, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return Double(min(Self.upperBound(index), maxMicros)) / 1000 }
        }
        return Double(maxMicros) / 1000
    }

    public var maxMilliseconds: Double { Double(maxMicros) / 1000 }
}

/// The outcome of one run: what was done, what was checked, and every violation found.
public struct StressReport: Sendable {
    public var scenario: Scenario
    public var policy: Policy
    public var seed: UInt64
    /// The shape of the run (threads, processes, sessions, readers, ...), for the heading.
    public var shape: [(String, Int)] = []
    /// Seconds of writing (crash: of kill cycles, checks included).
    public var elapsed = 0.0
    public var saves = 0
    public var skippedSaves = 0
    public var saveErrors = 0
    public var lostUpdates = 0
    public var unexpectedMessages = 0
    public var reads = 0
    public var tornReads = 0
    public var staleLocks = 0
    public var leftoverTempFiles = 0
    /// Temporaries that kills left and `removeStaleTemporaryFiles` removed (expected, not a failure).
    public var strayTempFilesRemoved = 0
    public var kills = 0
    /// Workers that failed on their own, and inconsistent worker reports.
    public var workerFailures = 0
    /// rotate: sessions valid before a rotation that are gone or hold other content after it, and
    /// those that no longer verify under the final secret; resumes that failed; runs that finished
    /// before their kill; the calibrated rotation time (ms).
    public var lostSessions = 0
    public var unverifiableSessions = 0
    public var resumeFailures = 0
    public var rotationsFinished = 0
    public var rotationMillis = 0
    public var saveLatency = LatencyHistogram()
    public var lockWait = LatencyHistogram()
    public var notes: [String] = []

    public var violations: Int {
        lostUpdates + unexpectedMessages + tornReads + staleLocks + leftoverTempFiles + saveErrors + workerFailures
            + lostSessions + unverifiableSessions + resumeFailures
    }

    public var savesPerSecond: Double { elapsed > 0 ? Double(saves) / elapsed : 0 }

    init(_ options: StressOptions) {
        scenario = options.scenario
        policy = options.policy
        seed = options.seed
    }

    mutating func add(_ ledger: Ledger) {
        saves += ledger.saves
        skippedSaves += ledger.skipped
        saveErrors += ledger.saveErrors
        workerFailures += ledger.protocolErrors
        saveLatency.merge(ledger.saveLatency)
        note(ledger.notes)
    }

    mutating func add(_ findings: Findings) {
        lostUpdates += findings.lost.count
        unexpectedMessages += findings.unexpected.count
        tornReads += findings.tornReads
        note(findings.notes)
    }

    mutating func add(_ samples: LockSamples) {
        lockWait.merge(samples.wait)
        staleLocks += samples.stale
        note(samples.notes)
    }

    mutating func note(_ notes: Notes) { for line in notes.lines { note(line) } }

    mutating func note(_ line: String) { if notes.count < Notes.limit { notes.append(line) } }

    private var rows: [(String, Int)] {
        if scenario == .rotate {
            return [("kills", kills), ("finished_before_kill", rotationsFinished), ("rotation_ms", rotationMillis),
                    ("lost_sessions", lostSessions), ("unverifiable_sessions", unverifiableSessions), ("resume_failures", resumeFailures),
                    ("worker_failures", workerFailures), ("violations", violations)]
        }
        return [("saves", saves), ("skipped_saves", skippedSaves), ("save_errors", saveErrors), ("lost_updates", lostUpdates),
         ("unexpected_messages", unexpectedMessages), ("reads", reads), ("torn_reads", tornReads), ("stale_locks", staleLocks),
         ("leftover_temp_files", leftoverTempFiles), ("stray_temp_files_removed", strayTempFilesRemoved), ("kills", kills),
         ("worker_failures", workerFailures), ("violations", violations)]
    }

    /// The text table.
    public var text: String {
        var lines = ["jido-stress \(scenario.rawValue)  seed \(seed)  policy \(policy.rawValue)  "
                     + shape.map { "\($0.0) \($0.1)" }.joined(separator: "  ")]
        func row(_ name: String, _ value: String) { lines.append("  " + name.padding(toLength: 26, withPad: " ", startingAt: 0) + value) }
        for (name, value) in rows {
            var text = String(value)
            if name == "saves" { text += String(format: "   (%.0f/s over %.2f s)", savesPerSecond, elapsed) }
            row(name.replacingOccurrences(of: "_", with: " "), text)
        }
        for (name, histogram) in [("save latency ms", saveLatency), ("lock wait ms", lockWait)] where scenario != .rotate {
            row(name, String(format: "p50 %.2f  p99 %.2f  max %.2f  (%ld samples)", histogram.percentile(0.5), histogram.percentile(0.99),
                             histogram.maxMilliseconds, histogram.count))
        }
        lines.append(violations == 0 ? "no violation" : "VIOLATIONS: \(violations)")
        lines += notes.map { "  - " + $0 }
        return lines.joined(separator: "\n")
    }

    /// One JSON object (canonical: keys sorted, no spaces).
    public var json: String {
        func number(_ value: Double) -> JSONValue { .float(value.isFinite ? (value * 1000).rounded() / 1000 : 0) }
        var members: [(String, JSONValue)] = rows.map { ($0.0, .integer(JSONInteger($0.1))) }
        members += shape.map { ($0.0, .integer(JSONInteger($0.1))) }
        members += [("scenario", .string(scenario.rawValue)), ("policy", .string(policy.rawValue)), ("seed", JSONInteger(isNegative: false, digits: String(seed)).map { .integer($0) } ?? .string(String(seed))),
                    ("elapsed_seconds", number(elapsed)), ("saves_per_second", number(savesPerSecond)),
                    ("notes", .array(notes.map { .string($0) }))]
        for (prefix, histogram) in [("save_latency", saveLatency), ("lock_wait", lockWait)] {
            members += [(prefix + "_p50_ms", number(histogram.percentile(0.5))), (prefix + "_p99_ms", number(histogram.percentile(0.99))),
                        (prefix + "_max_ms", number(histogram.maxMilliseconds)), (prefix + "_samples", .integer(JSONInteger(histogram.count)))]
        }
        guard let bytes = try? CanonicalJSON.encode(.object(JSONObject(members))) else { return "{\"violations\":\(max(violations, 1))}" }
        return String(decoding: bytes, as: UTF8.self)
    }
}
