import Glibc

/// Wall-clock interval timing on CLOCK_MONOTONIC (never steps with NTP or settimeofday).
struct MonotonicTimer {
    private let start: UInt64

    init() { start = MonotonicTimer.nanoseconds() }

    /// Seconds since `init`.
    var elapsedSeconds: Double { Double(MonotonicTimer.nanoseconds() &- start) / 1e9 }

    /// Nanoseconds on CLOCK_MONOTONIC; clock_gettime cannot fail for this clock on Linux.
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Runs `body` once and returns how long it took, in seconds.
    static func measure(_ body: () throws -> Void) rethrows -> Double {
        let timer = MonotonicTimer()
        try body()
        return timer.elapsedSeconds
    }
}
