/// A sliding-window rate limiter for resume attempts: at most `perKeyLimit` per key and
/// `globalLimit` overall within `window`. Times are `ContinuousClock` instants (monotonic: a change
/// of the wall clock neither opens nor closes a window).
///
/// Memory is bounded whatever keys an attacker tries: at most `maxTrackedKeys` keys are kept (the
/// least recently used is forgotten first) and each key keeps at most `perKeyLimit` timestamps, so
/// the limiter holds at most `maxTrackedKeys × perKeyLimit + globalLimit` timestamps. Forgetting a
/// key can only let it try again early within the global limit, which still applies.
public final class RateLimiter: Sendable {
    public let window: Duration
    public let perKeyLimit: Int
    public let globalLimit: Int
    public let maxTrackedKeys: Int
    private let state = Protected(State())

    private struct State: Sendable {
        var perKey: [String: [ContinuousClock.Instant]] = [:]
        var lastUse: [String: UInt64] = [:]
        var useCounter: UInt64 = 0
        /// Global attempt times, oldest first; entries before `globalHead` have expired.
        var global: [ContinuousClock.Instant] = []
        var globalHead = 0

        var globalCount: Int { global.count - globalHead }

        mutating func expireGlobal(before cutoff: ContinuousClock.Instant) {
            while globalHead < global.count, global[globalHead] <= cutoff { globalHead += 1 }
            if globalHead > 1024, globalHead * 2 > global.count {
                global.removeFirst(globalHead)
                globalHead = 0
            }
        }

        /// Forgets the least recently used tenth at once, so eviction is amortized O(1) per call.
        mutating func evict(keeping maxTrackedKeys: Int) {
            let excess = perKey.count - maxTrackedKeys + max(1, maxTrackedKeys / 10)
            let victims = lastUse.sorted { $0.value < $1.value }.prefix(excess).map(\.key)
            for key in victims {
                perKey[key] = nil
                lastUse[key] = nil
            }
        }
    }

    public init(window: Duration = .seconds(60), perKeyLimit: Int = 5, globalLimit: Int = 50, maxTrackedKeys: Int = 10_000) {
        self.window = max(window, .zero)
        self.perKeyLimit = max(1, perKeyLimit)
        self.globalLimit = max(1, globalLimit)
        self.maxTrackedKeys = max(1, maxTrackedKeys)
    }

    /// Records an attempt for `key` now if both windows allow it.
    public func allow(_ key: String) -> Bool {
        allow(key, now: ContinuousClock.now)
    }

    /// Records an attempt for `key` at `now` if both windows allow it.
    public func allow(_ key: String, now: ContinuousClock.Instant) -> Bool {
        let cutoff = now - window
        return state.withLock { state in
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
            if state.perKey.count > maxTrackedKeys { state.evict(keeping: maxTrackedKeys) }
            return true
        }
    }

    /// Keys currently tracked (for tests and monitoring).
    public var trackedKeys: Int { state.withLock { $0.perKey.count } }
}
