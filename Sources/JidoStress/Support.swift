import Foundation
import Glibc
import JidoCore

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator, so a run's choices (which
/// session each iteration targets, when each kill lands) are reproducible from `--seed`. Not for secrets.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for one stream of a seed (a writer, the killer, a reader), independent of the others.
    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (multiply-high; the bias is negligible for the bounds used here).
    mutating func below(_ bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + Double(next() >> 11) * 0x1.0p-53 * (high - low)
    }
}

/// CLOCK_MONOTONIC in seconds: one clock for every process of the machine, so workers and the
/// parent agree on rotation rounds and deadlines.
var now: Double { MonotonicClock.now }

/// Sleeps `seconds` (nothing for zero or less).
func pause(_ seconds: Double) { MonotonicClock.sleep(seconds) }

/// A body running on its own thread; `join` waits for its result. Synchronized with NSCondition
/// (pthread based), which ThreadSanitizer understands.
final class JoinableThread<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: T?

    init(_ body: @escaping @Sendable () -> T) {
        let thread = Thread { [self] in
            let value = body()
            condition.lock()
            result = value
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    func join() -> T {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result { return result }
            condition.wait()
        }
    }
}

/// Runs `body(i)` for `i` in `0..<count`, each on its own thread, and returns the results in order.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    (0..<count).map { index in JoinableThread { body(index) } }.map { $0.join() }
}

/// A flag one thread raises and others poll.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    var isRaised: Bool { lock.withLock { raised } }
    func raise() { lock.withLock { raised = true } }
}

/// Creates a fresh private directory under the system temp folder.
func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/jido-stress-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    guard let path = created else { throw StressError("cannot create a temporary directory (errno \(errno))") }
    return path
}

/// A failure of the harness itself (not a finding about the store): exit status 1 with the message.
public struct StressError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
