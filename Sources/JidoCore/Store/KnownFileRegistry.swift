internal import Glibc

/// The session files a store last wrote or accepted, byte for byte, with the `Session` they stand
/// for: a read that finds exactly those bytes again (`update` re-reading under the lock the file its
/// own previous save wrote, a `load` of an unchanged file) skips verification and decoding.
///
/// Why a hit is exactly what `SessionStore.decodeSession` would answer:
/// - `decodeSession` is a function of the bytes and of the store's `let`s (key, `maxFileBytes`,
///   `beamOrder`, `acceptUnsigned`, `acceptDuplicateKeys`): the same bytes get the same answer, so
///   an entry made from bytes it accepted (`putLoaded`) answers what it returned for them. The
///   comparison is of the full bytes (`memcmp` of equal lengths), never of an inode, a size or a
///   time, so a file replaced by another writer (any process) with other bytes is a miss and goes
///   through every check; a file replaced by the same bytes is, by definition, the same answer.
/// - An entry made from bytes this store wrote (`putWritten`) answers only once
///   `MACFirstVerification` has decided them `valid` and canonical under the store's order (the
///   scanning path's verdict, by
///   its proof; it also refuses anything beyond the decoder's limits: depth, number and string
///   lengths, size), so verification would accept them without duplicated keys; the session was
///   validated by the schema before it was written (`SessionStore.writeLocked`) and its id is the
///   file's. Decoding those bytes gives back the written document: the canonical encoding keeps
///   every string's bytes, every integer's digits and every float's bits, and an object's members
///   only in the encoder's order, which `Session`'s equality (and every encoding) ignores. So the
///   cached session equals (`==`) the one decoding would return; only the order in which its
///   objects list their members may be the writer's instead of the file's. That proof is made at
///   the first hit, not when the file is written: a save pays only a copy of its bytes, and the
///   read that finds them again pays one MAC-first pass instead of verifying, decoding and checking
///   the schema; bytes it does not decide drop the entry and get every check.
///
/// Bounded: at most `maxSessions` entries and `maxBytes` of file bytes (least recently used
/// dropped first); 0 keeps nothing. Entries are immutable values: a hit hands out a copy.
final class KnownFileRegistry: Sendable {
    private struct Entry: Sendable {
        let bytes: [UInt8]
        let session: Session
        /// What `decodeSession` answered for `isCanonical`.
        let isCanonical: Bool
        /// False for bytes this store wrote until the MAC-first path has decided them.
        let isProven: Bool
    }

    /// How the store verifies what it reads: its key, its decoder limits and its member order.
    struct Verifier: Sendable {
        let key: SessionKey
        let limits: JSONLimits
        let orders: [BeamOrder]

        /// Whether the MAC-first path decides `bytes` valid and canonical.
        func decides(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { MACFirstVerification.verify($0, key: key, limits: limits, orders: orders) }
                .map { $0.verdict == .valid && $0.isCanonical } == true
        }
    }

    private let entries: Protected<BoundedSessionMap<Entry>>
    private let verifier: Verifier
    /// `BoundedSessionMap.maxBytes` (0 when it keeps nothing), readable without the lock.
    private let maxBytes: Int

    init(maxSessions: Int = 16, maxBytes: Int, verifier: Verifier) {
        let map = BoundedSessionMap<Entry>(maxSessions: maxSessions, maxBytes: maxBytes)
        entries = Protected(map)
        self.maxBytes = map.keepsNothing ? 0 : maxBytes
        self.verifier = verifier
    }

    /// The session of `id` (and whether its bytes are canonical) when `bytes` are exactly the bytes
    /// of its entry; nil otherwise.
    func session(_ id: SessionID, ifBytesAre bytes: [UInt8]) -> (Session, isCanonical: Bool)? {
        guard let entry = entries.withLock({ $0.use(id) }), Self.same(entry.bytes, bytes) else { return nil }
        guard entry.isProven else {
            // The proof runs outside the registry's lock; the entry is replaced only if still the same.
            let proven = verifier.decides(bytes)
            entries.withLock { entries in
                guard let current = entries.use(id), Self.same(current.bytes, bytes), !current.isProven else { return }
                if proven {
                    entries.put(Entry(bytes: current.bytes, session: current.session, isCanonical: true, isProven: true),
                                size: current.bytes.count, for: id)
                } else {
                    _ = entries.remove(id)
                }
            }
            return proven ? (entry.session, true) : nil
        }
        return (entry.session, entry.isCanonical)
    }

    /// On a miss: the session `SessionStore.decodeSession` would return for `bytes`, decoded from
    /// what they share with the entry of `id` (`SessionFile.session(_:extending:limits:)`: another
    /// writer appended to the file this store last read or wrote, so most messages are the entry's
    /// own values). Only for bytes the MAC-first path decides valid and canonical, extending a
    /// canonical entry; nil otherwise, and the caller takes every check. The caller compares the
    /// id, as `decodeSession` does.
    func session(_ id: SessionID, extendedBy bytes: [UInt8]) -> Session? {
        guard let entry = entries.withLock({ $0.use(id) }), entry.isCanonical, verifier.decides(bytes) else { return nil }
        return SessionFile.session(bytes, extending: (entry.bytes, entry.session), limits: verifier.limits)
    }

    /// Records bytes `SessionStore.decodeSession` accepted, with the session it returned for them.
    func putLoaded(_ bytes: [UInt8], session: Session, isCanonical: Bool, for id: SessionID) {
        put(Entry(bytes: bytes, session: session, isCanonical: isCanonical, isProven: true), for: id)
    }

    /// Records bytes this store wrote for `session` (validated by the schema, signed with the
    /// store's key), to be proven by the MAC-first path at the first read that finds them again.
    func putWritten(_ file: SessionSignature.SignedFile, session: Session) {
        // A file the bounds cannot keep is not copied out of its parts (`put` would forget `id` anyway).
        guard session.document[SessionSignature.memberName] == nil, file.count <= maxBytes else {
            remove(session.id)
            return
        }
        put(Entry(bytes: file.bytes, session: session, isCanonical: true, isProven: false), for: session.id)
    }

    private func put(_ entry: Entry, for id: SessionID) {
        entries.withLock { $0.put(entry, size: entry.bytes.count, for: id) }
    }

    /// Forgets `id`.
    func remove(_ id: SessionID) {
        entries.withLock { _ = $0.remove(id) }
    }

    var count: Int { entries.withLock { $0.count } }

    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                guard let p = x.baseAddress, let q = y.baseAddress else { return x.count == 0 }
                return memcmp(p, q, x.count) == 0
            }
        }
    }
}
