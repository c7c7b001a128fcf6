/// Values per session, at most `maxSessions` of them and `maxBytes` by their stated sizes, the
/// least recently used dropped first; a value larger than `maxBytes` is not kept, and a bound of 0
/// keeps nothing. The store's caches (`SigningCacheRegistry`, `KnownFileRegistry`) hold one each,
/// behind their own lock.
struct BoundedSessionMap<Value> {
    private var entries: [SessionID: (value: Value, size: Int, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private(set) var totalBytes = 0
    let maxSessions: Int
    let maxBytes: Int

    init(maxSessions: Int, maxBytes: Int) {
        self.maxSessions = maxSessions
        self.maxBytes = maxBytes
    }

    var keepsNothing: Bool { maxBytes <= 0 || maxSessions <= 0 }
    var count: Int { entries.count }

    /// The value of `id`, marked as just used.
    mutating func use(_ id: SessionID) -> Value? {
        guard let index = entries.index(forKey: id) else { return nil }
        clock += 1
        entries.values[index].lastUse = clock // In place: the value is not copied out and back.
        return entries.values[index].value
    }

    /// Whether `id` has a value (not marked as used).
    func contains(_ id: SessionID) -> Bool { entries.index(forKey: id) != nil }

    /// Stores `value` (of `size` bytes) for `id`, then drops the least recently used entries until
    /// both bounds hold; a value over `maxBytes` is not kept (and replaces nothing: `id` is forgotten).
    mutating func put(_ value: Value, size: Int, for id: SessionID) {
        guard !keepsNothing, size <= maxBytes else {
            _ = remove(id)
            return
        }
        clock += 1
        if let old = entries.updateValue((value, size, clock), forKey: id) { totalBytes -= old.size }
        totalBytes += size
        while entries.count > maxSessions || totalBytes > maxBytes {
            guard let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
            entries[oldest.key] = nil
            totalBytes -= oldest.value.size
        }
    }

    /// Removes and returns the value of `id`.
    mutating func remove(_ id: SessionID) -> Value? {
        guard let old = entries.removeValue(forKey: id) else { return nil }
        totalBytes -= old.size
        return old.value
    }
}

extension BoundedSessionMap: Sendable where Value: Sendable {}
