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
/// - An entry made from bytes this store wrote (`putWritten`) is kept only when
///   `MACFirstVerification` decides them `valid` and canonical (the scanning path's verdict, by
///   its proof; it also refuses anything beyond the decoder's limits: depth, number and string
///   lengths, size), so verification would accept them without duplicated keys; the session was
///   validated by the schema before it was written (`SessionStore.writeLocked`) and its id is the
///   file's. Decoding those bytes gives back the written document: the canonical encoding keeps
///   every string's bytes, every integer's digits and every float's bits, and an object's members
///   only in the encoder's order, which `Session`'s equality (and every encoding) ignores. So the
///   cached session equals (`==`) the one decoding would return; only the order in which its
///   objects list their members may be the writer's instead of the file's.
///
/// Bounded: at most `maxSessions` entries and `maxBytes` of file bytes (least recently used
/// dropped first); 0 keeps nothing. Entries are immutable values: a hit hands out a copy.
final class KnownFileRegistry: Sendable {
    private struct Entry: Sendable {
        let bytes: [UInt8]
        let session: Session
        /// What `decodeSession` answered for `isCanonical`.
        let isCanonical: Bool
    }

    private let entries: Protected<BoundedSessionMap<Entry>>

    init(maxSessions: Int = 16, maxBytes: Int) {
        entries = Protected(BoundedSessionMap(maxSessions: maxSessions, maxBytes: maxBytes))
    }

    /// The session of `id` (and whether its bytes are canonical) when `bytes` are exactly the bytes
    /// of its entry; nil otherwise.
    func session(_ id: SessionID, ifBytesAre bytes: [UInt8]) -> (Session, isCanonical: Bool)? {
        entries.withLock { entries in
            guard let entry = entries.use(id), Self.same(entry.bytes, bytes) else { return nil }
            return (entry.session, entry.isCanonical)
        }
    }

    /// Records bytes `SessionStore.decodeSession` accepted, with the session it returned for them.
    func putLoaded(_ bytes: [UInt8], session: Session, isCanonical: Bool, for id: SessionID) {
        put(Entry(bytes: bytes, session: session, isCanonical: isCanonical), for: id)
    }

    /// Records bytes this store wrote for `session` (validated by the schema, signed with `key`),
    /// when the MAC-first path decides them valid and canonical under `orders` (the store's, as its
    /// reads use); otherwise forgets `id` (the next read checks everything).
    func putWritten(_ bytes: [UInt8], session: Session, key: SessionKey, limits: JSONLimits, orders: [BeamOrder]) {
        let decided = session.document[SessionSignature.memberName] == nil
            && bytes.withUnsafeBytes({ MACFirstVerification.verify($0, key: key, limits: limits, orders: orders) })
                .map { $0.verdict == .valid && $0.isCanonical } == true
        guard decided else {
            remove(session.id)
            return
        }
        put(Entry(bytes: bytes, session: session, isCanonical: true), for: session.id)
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
