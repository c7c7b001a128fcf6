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
///   read that finds them again pays one MAC-first pass (resumed: see below) instead of verifying,
///   decoding and checking the schema; bytes it does not decide drop the entry and get every check.
///
/// Proofs resume (`MACFirstVerification.Checkpoint`, its point 5): an entry keeps a checkpoint of
/// the MAC-first scan, made at its last conversation message when its bytes were proven, or, for
/// bytes this store wrote, the checkpoint of the file it read or wrote before (`ResumePoint`). A
/// writer appends, so the next file shares those bytes: proving it scans and authenticates only
/// what follows the checkpoint (the shared bytes are compared in full first), with the verdict of a
/// full scan. So a session that two processes keep appending to costs each reader the appended
/// bytes, not the file.
///
/// Bounded: at most `maxSessions` entries and `maxBytes` of file bytes (least recently used
/// dropped first; an entry counts its bytes and the file its checkpoint was made from when that is
/// another one); 0 keeps nothing. Entries are immutable values: a hit hands out a copy.
final class KnownFileRegistry: Sendable {
    fileprivate struct Entry: Sendable {
        let bytes: [UInt8]
        let session: Session
        /// What `decodeSession` answered for `isCanonical`.
        let isCanonical: Bool
        /// False for bytes this store wrote until the MAC-first path has decided them.
        let isProven: Bool
        /// Where a proof of these bytes, or of bytes extending them, may resume.
        let resumePoint: ResumePoint?
        /// The offset just past the last conversation message in `bytes`, where the next checkpoint
        /// goes (nil: unknown, none is made).
        let lastElementEnd: Int?

        var size: Int { bytes.count + (resumePoint?.otherFile?.count ?? 0) }
    }

    /// A checkpoint and the file it was made from: this entry's own bytes (`otherFile` nil), or the
    /// file read or written before them, which they extend (bytes this store wrote, not yet proven).
    fileprivate struct ResumePoint: Sendable {
        let checkpoint: MACFirstVerification.Checkpoint
        let otherFile: [UInt8]?
    }

    /// How the store verifies what it reads: its key, its decoder limits and its member order.
    struct Verifier: Sendable {
        let key: SessionKey
        let limits: JSONLimits
        let orders: [BeamOrder]

        /// Whether the MAC-first path decides `bytes` valid and canonical, resumed from `entry`'s
        /// resume point when it applies, with a checkpoint at the line of `checkpointAt` (nil when
        /// none could be made there); nil when it does not decide them.
        fileprivate func proves(_ bytes: [UInt8], resumingFrom entry: Entry?, checkpointAt: Int?,
                                resumed: Protected<Int>) -> ResumePoint?? {
            let result: (verification: SignatureVerification, checkpoint: MACFirstVerification.Checkpoint?, resumed: Bool)?
            if let entry, let point = entry.resumePoint {
                result = bytes.withUnsafeBytes { raw in
                    (point.otherFile ?? entry.bytes).withUnsafeBytes { previous in
                        MACFirstVerification.verify(raw, key: key, limits: limits, orders: orders, resuming: (point.checkpoint, previous),
                                                    checkpointAt: checkpointAt)
                    }
                }
            } else {
                result = bytes.withUnsafeBytes {
                    MACFirstVerification.verify($0, key: key, limits: limits, orders: orders, resuming: nil, checkpointAt: checkpointAt)
                }
            }
            if result?.resumed == true { resumed.withLock { $0 += 1 } }
            guard let result, result.verification.verdict == .valid, result.verification.isCanonical else { return nil }
            return .some(result.checkpoint.map { ResumePoint(checkpoint: $0, otherFile: nil) })
        }
    }

    private let entries: Protected<BoundedSessionMap<Entry>>
    /// How many proofs resumed from a checkpoint (for tests).
    private let resumedProofs = Protected(0)
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
            let proof = verifier.proves(bytes, resumingFrom: entry, checkpointAt: entry.lastElementEnd.map { $0 - 1 }, resumed: resumedProofs)
            entries.withLock { entries in
                guard let current = entries.use(id), Self.same(current.bytes, bytes), !current.isProven else { return }
                if let point = proof {
                    let proven = Entry(bytes: current.bytes, session: current.session, isCanonical: true, isProven: true,
                                       resumePoint: point ?? current.resumePoint, lastElementEnd: current.lastElementEnd)
                    entries.put(proven, size: proven.size, for: id)
                } else {
                    _ = entries.remove(id)
                }
            }
            return proof != nil ? (entry.session, true) : nil
        }
        return (entry.session, entry.isCanonical)
    }

    /// On a miss: the session `SessionStore.decodeSession` would return for `bytes`, decoded from
    /// what they share with the entry of `id` (`SessionFile.session(_:extending:limits:)`: another
    /// writer appended to the file this store last read or wrote, so most messages are the entry's
    /// own values). Only for bytes the MAC-first path decides valid and canonical, extending a
    /// canonical entry; nil otherwise, and the caller takes every check. The caller compares the
    /// id, as `decodeSession` does.
    ///
    /// The proof resumes from the entry's resume point when the new bytes share what it covers,
    /// and the session found is recorded as the entry of `id` (with a checkpoint at its last
    /// message) when its id is `id`.
    func session(_ id: SessionID, extendedBy bytes: [UInt8]) -> Session? {
        guard let entry = entries.withLock({ $0.use(id) }), entry.isCanonical else { return nil }
        let ranges = bytes.withUnsafeBytes { CanonicalElementCache.elementRanges(in: $0, memberKey: SessionFile.conversationKey) }
        let lastElementEnd = ranges?.last?.upperBound
        guard let point = verifier.proves(bytes, resumingFrom: entry, checkpointAt: lastElementEnd.map { $0 - 1 }, resumed: resumedProofs),
              let session = SessionFile.session(bytes, extending: (entry.bytes, entry.session), ranges: ranges, limits: verifier.limits)
        else { return nil }
        if session.id == id {
            put(Entry(bytes: bytes, session: session, isCanonical: true, isProven: true, resumePoint: point, lastElementEnd: lastElementEnd),
                for: id)
        }
        return session
    }

    /// Records bytes `SessionStore.decodeSession` accepted, with the session it returned for them.
    func putLoaded(_ bytes: [UInt8], session: Session, isCanonical: Bool, for id: SessionID) {
        put(Entry(bytes: bytes, session: session, isCanonical: isCanonical, isProven: true, resumePoint: nil, lastElementEnd: nil), for: id)
    }

    /// Records bytes this store wrote for `session` (validated by the schema, signed with the
    /// store's key), to be proven by the MAC-first path at the first read that finds them again,
    /// resuming from the entry they replace (the file this write most likely extends).
    /// `lastElementEnd`: the offset just past the last conversation message in the file, if known.
    func putWritten(_ file: SessionSignature.SignedFile, session: Session, lastElementEnd: Int?) {
        // A file the bounds cannot keep is not copied out of its parts (`put` would forget `id` anyway).
        guard session.document[SessionSignature.memberName] == nil, file.count <= maxBytes else {
            remove(session.id)
            return
        }
        let previous = entries.withLock { $0.use(session.id) }
        let basis = previous?.resumePoint.map { ResumePoint(checkpoint: $0.checkpoint, otherFile: $0.otherFile ?? previous?.bytes) }
        put(Entry(bytes: file.bytes, session: session, isCanonical: true, isProven: false, resumePoint: basis, lastElementEnd: lastElementEnd),
            for: session.id)
    }

    /// How many proofs resumed from a checkpoint so far.
    var resumedProofCount: Int { resumedProofs.withLock { $0 } }

    /// Whether the entry of `id` holds a checkpoint of its own bytes (for tests).
    func hasCheckpoint(_ id: SessionID) -> Bool {
        entries.withLock { $0.use(id)?.resumePoint.map { $0.otherFile == nil } ?? false }
    }

    private func put(_ entry: Entry, for id: SessionID) {
        entries.withLock { $0.put(entry, size: entry.size, for: id) }
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
