/// Process-wide memo of derived session keys, so PBKDF2 runs once per (machine secret, hostname).
/// Entries are indexed by a SHA-256 fingerprint, never by the raw secret; at most `capacity` keys
/// are held, the least recently used dropped first (and wiped once no caller holds it).
package final class SessionKeyCache: Sendable {
    package static let shared = SessionKeyCache()

    private let capacity: Int
    /// Lock order: an entry's lock may be held while taking this one, never the reverse.
    private let state = Protected(State())

    private struct State: Sendable {
        var entries: [[UInt8]: Entry] = [:]
        /// Fingerprints, least recently used first.
        var recency: [[UInt8]] = []
        var derivations = 0

        mutating func entry(for fingerprint: [UInt8], capacity: Int) -> Entry {
            if let entry = entries[fingerprint] {
                if let index = recency.firstIndex(of: fingerprint) {
                    recency.remove(at: index)
                }
                recency.append(fingerprint)
                return entry
            }
            if entries.count >= capacity, !recency.isEmpty {
                entries[recency.removeFirst()] = nil
            }
            let entry = Entry()
            entries[fingerprint] = entry
            recency.append(fingerprint)
            return entry
        }
    }

    init(capacity: Int = 8) {
        self.capacity = Swift.max(capacity, 1)
    }

    /// The key for these inputs, derived on first request. Concurrent first requests for the same
    /// inputs wait for one derivation; requests for other inputs are not blocked by it.
    /// The secret is read in place: it is never copied out of the caller's (wiped) storage.
    package func key(machineSecret: UnsafeRawBufferPointer, hostname: String) throws -> SessionKey {
        let fingerprint = try Self.fingerprint(machineSecret: machineSecret, hostname: hostname)
        let slot = state.withLock { $0.entry(for: fingerprint, capacity: capacity) }
        return try slot.key {
            state.withLock { $0.derivations += 1 }
            return try SessionKey.derive(machineSecret: machineSecret, hostname: hostname)
        }
    }

    /// `key(machineSecret:hostname:)` for a secret in an array the caller owns (and wipes).
    package func key(machineSecret: [UInt8], hostname: String) throws -> SessionKey {
        try machineSecret.withUnsafeBytes { try key(machineSecret: $0, hostname: hostname) }
    }

    /// How many derivations have been started; for tests.
    var derivationCount: Int { state.withLock { $0.derivations } }

    /// SHA-256(UInt64 big-endian secret length ‖ secret ‖ UTF-8 hostname): unambiguous, and
    /// reveals nothing usable about a high-entropy secret.
    private static func fingerprint(machineSecret: UnsafeRawBufferPointer, hostname: String) throws -> [UInt8] {
        var context = try SHA256.Context()
        try withUnsafeBytes(of: UInt64(machineSecret.count).bigEndian) { try context.update($0) }
        try context.update(machineSecret)
        try context.update(hostname.utf8)
        return try context.finalize()
    }

    /// One cache slot; its own lock makes the derivation happen at most once while it succeeds.
    private final class Entry: Sendable {
        private let cached = Protected<SessionKey?>(nil)

        func key(derive: () throws -> SessionKey) rethrows -> SessionKey {
            try cached.withLock { cached in
                if let cached { return cached }
                let key = try derive()
                cached = key
                return key
            }
        }
    }
}
