/// A sliding-window rate limiter for resume attempts: at most `perKeyLimit` per key and
/// `globalLimit` overall within `window` seconds. Times are monotonic seconds (`MonotonicClock`).
///
/// Memory is bounded whatever keys an attacker tries: at most `maxTrackedKeys` keys are kept (the
/// least recently used is forgotten first) and each key keeps at most `perKeyLimit` timestamps, so
/// the limiter holds at most `maxTrackedKeys × perKeyLimit + globalLimit` timestamps. Forgetting a
/// key can only let it try again early within the global limit, which still applies.
public final class RateLimiter: Sendable {
    public let window: Double
    public let perKeyLimit: Int
    public let globalLimit: Int
    public let maxTrackedKeys: Int
    private let state: LockedState

    /// `@unchecked Sendable`: every property is read and written only inside `lock.withLock` (all
    /// uses are in `allow`, `trackedKeys` and `evict`, the last called only from `allow`'s lock).
    private final class LockedState: @unchecked Sendable {
        let lock = PthreadMutex()
        var perKey: [String: [Double]] = [:]
        var lastUse: [String: UInt64] = [:]
        var useCounter: UInt64 = 0
        /// Global attempt times, oldest first; entries before `globalHead` have expired.
        var global: [Double] = []
        var globalHead = 0

        var globalCount: Int { global.count - globalHead }

        func expireGlobal(before cutoff: Double) {
            while globalHead < global.count, global[globalHead] <= cutoff { globalHead += 1 }
            if globalHead > 1024, globalHead * 2 > global.count {
                global.removeFirst(globalHead)
                globalHead = 0
            }
        }
    }

    public init(window: Double = 60, perKeyLimit: Int = 5, globalLimit: Int = 50, maxTrackedKeys: Int = 10_000) {
        self.window = window
        self.perKeyLimit = max(1, perKeyLimit)
        self.globalLimit = max(1, globalLimit)
        self.maxTrackedKeys = max(1, maxTrackedKeys)
        self.state = LockedState()
    }

    /// Records an attempt for `key` now if both windows allow it.
    public func allow(_ key: String) -> Bool {
        allow(key, now: MonotonicClock.now)
    }

    /// Records an attempt for `key` at `now` (seconds on a monotonic clock, `CLOCK_MONOTONIC`) if
    /// both windows allow it.
    public func allow(_ key: String, now: Double) -> Bool {
        let cutoff = now - window
        return state.lock.withLock {
            state.expireGlobal(before: cutoff)
            var times = state.perKey[key, default: []]
            times.removeAll { $0 <= cutoff }
            guard times.count < perKeyLimit, state.globalCount < globalLimit else {
                state.perKey[key] = times.isEmpty ? nil : times
                return false
            }
            times.append(now)
            state.global.append(now)
            state.perKey[key] = times
            state.useCounter += 1
            state.lastUse[key] = state.useCounter
            if state.perKey.count > maxTrackedKeys { evict() }
            return true
        }
    }

    /// Keys currently tracked (for tests and monitoring).
    public var trackedKeys: Int { state.lock.withLock { state.perKey.count } }

    private func evict() {
        // Forget the least recently used tenth at once, so eviction is amortized O(1) per call.
        let excess = state.perKey.count - maxTrackedKeys + max(1, maxTrackedKeys / 10)
        let victims = state.lastUse.sorted { $0.value < $1.value }.prefix(excess).map(\.key)
        for key in victims {
            state.perKey[key] = nil
            state.lastUse[key] = nil
        }
    }
}
