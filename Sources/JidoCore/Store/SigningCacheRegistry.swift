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
/// `@unchecked Sendable`: `entries` is read and written only inside `lock.withLock`; the
/// caches handed out are values (moved out under the lock and back in under it), never shared.
final class SigningCacheRegistry: @unchecked Sendable {
    static let memberKey = SessionFile.conversationKey

    private let lock = PthreadMutex()
    private var entries: BoundedSessionMap<SigningCache>
    var maxSessions: Int { entries.maxSessions }
    var maxBytes: Int { entries.maxBytes }

    init(maxSessions: Int = 16, maxBytes: Int) {
        entries = BoundedSessionMap(maxSessions: maxSessions, maxBytes: maxBytes)
    }

    /// The entry of `id` (removed from the registry until `put`), or an empty one for `key` and
    /// `order`; nil when the registry keeps nothing (`maxBytes` 0).
    func take(_ id: SessionID, key: SessionKey, order: BeamOrder = .jidoCodeDefault) -> SigningCache? {
        lock.withLock {
            guard !entries.keepsNothing else { return nil }
            return entries.remove(id) ?? SigningCache(key: key, order: order, memberKey: Self.memberKey)
        }
    }

    func put(_ cache: SigningCache, for id: SessionID) {
        lock.withLock { entries.put(cache, size: cache.memoryBytes, for: id) }
    }

    /// The conversation held by the entry of `id` (not taken), as a document with that one member;
    /// nil without an entry. Every element in it passed the schema: an entry holds the conversation
    /// of a document `SessionStore.writeLocked` validated before signing it, or of a session a read
    /// checked (`SessionStore.loadIfPresent` primes it), so a save validating a document need not
    /// walk the elements that share their storage with these (`SessionSchema.validate(_:unchangedFrom:)`).
    func validatedConversation(_ id: SessionID) -> JSONObject? {
        let elements: [JSONValue]? = lock.withLock { entries.use(id)?.elements?.elements }
        return elements.map { JSONObject(uniqueMembers: [JSONMember(key: Self.memberKey, value: .array($0))]) }
    }

    /// Whether there is an entry for `id` (one may be taken or dropped right after: a hint only).
    func holds(_ id: SessionID) -> Bool {
        lock.withLock { entries.contains(id) }
    }

    /// Forgets `id` (its session was deleted).
    func remove(_ id: SessionID) {
        lock.withLock { _ = entries.remove(id) }
    }

    var count: Int { lock.withLock { entries.count } }
    var bytes: Int { lock.withLock { entries.totalBytes } }
}
