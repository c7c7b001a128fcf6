/// The signing caches (`SigningCache`) of recently saved sessions, one per session, so that a save
/// after an append encodes and authenticates the new messages only.
///
/// Bounded: at most `maxSessions` sessions and `maxBytes` of cache memory (least recently used
/// dropped first); a session needing more than `maxBytes` is not kept, and 0 keeps nothing. A
/// cache holds values, not file state, so nothing in it can go stale: a cached element is used only
/// when it equals the element being encoded, the MAC state only when the bytes it absorbed are the
/// new ones. An entry is taken out while a save uses it and put back after; a second save of the
/// same session at that moment (`SaveQueue` prevents it within a store) would just start empty.
///
/// `@unchecked Sendable`: the three `var`s are read and written only inside `lock.withLock`; the
/// caches handed out are values (moved out under the lock and back in under it), never shared.
final class SigningCacheRegistry: @unchecked Sendable {
    static let memberKey = "conversation"

    private let lock = PthreadMutex()
    private var entries: [SessionID: (cache: SigningCache, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var totalBytes = 0
    let maxSessions: Int
    let maxBytes: Int

    init(maxSessions: Int = 16, maxBytes: Int) {
        self.maxSessions = maxSessions
        self.maxBytes = maxBytes
    }

    /// The entry of `id` (removed from the registry until `put`), or an empty one for `key` and
    /// `order`; nil when the registry keeps nothing (`maxBytes` 0).
    func take(_ id: SessionID, key: SessionKey, order: BeamOrder = .jidoCodeDefault) -> SigningCache? {
        guard maxBytes > 0, maxSessions > 0 else { return nil }
        return lock.withLock {
            guard let entry = entries.removeValue(forKey: id) else { return SigningCache(key: key, order: order, memberKey: Self.memberKey) }
            totalBytes -= entry.cache.memoryBytes
            return entry.cache
        }
    }

    func put(_ cache: SigningCache, for id: SessionID) {
        guard maxBytes > 0, maxSessions > 0, cache.memoryBytes <= maxBytes else { return }
        lock.withLock {
            clock += 1
            if let old = entries.updateValue((cache, clock), forKey: id) { totalBytes -= old.cache.memoryBytes }
            totalBytes += cache.memoryBytes
            while entries.count > maxSessions || totalBytes > maxBytes {
                guard let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                entries[oldest.key] = nil
                totalBytes -= oldest.value.cache.memoryBytes
            }
        }
    }

    /// Forgets `id` (its session was deleted).
    func remove(_ id: SessionID) {
        lock.withLock {
            if let old = entries.removeValue(forKey: id) { totalBytes -= old.cache.memoryBytes }
        }
    }

    var count: Int { lock.withLock { entries.count } }
    var bytes: Int { lock.withLock { totalBytes } }
}
