internal import Glibc

/// What a writer keeps between two signings of the same session so that the next signing redoes
/// only what changed: the conversation's element encodings (`CanonicalElementCache`), the HMAC
/// state after the bytes an append leaves unchanged, and the previous output buffer.
///
/// Checked, not trusted: the MAC state is resumed only when the new encoding's first bytes are
/// byte-for-byte (`memcmp`) the ones the state has absorbed, and only under the key it was made
/// with; otherwise the MAC starts over. So the tag is always HMAC(key, body).
package struct SigningCache {
    /// The key's pre-keyed template: the MAC state belongs to that key only.
    private let keyTemplate: LibCrypto.HMACTemplate
    /// The member order the element encodings follow (they differ for objects of more than 32 members).
    let order: BeamOrder
    var elements: CanonicalElementCache?
    /// The last body signed, and the HMAC state after its first `macPrefixLength` bytes.
    private var previousBody: [UInt8] = []
    private var macPrefixLength = 0
    private var macState: HMACSHA256?
    /// The body before that one, whose storage the next encoding reuses.
    private var spare: [UInt8] = []
    /// Whether the last signing resumed the saved MAC state (for tests and benchmarks).
    private(set) var lastSigningResumed = false

    package init(key: SessionKey, order: BeamOrder, memberKey: String) {
        keyTemplate = key.hmacTemplate
        self.order = order
        elements = CanonicalElementCache(memberKey: memberKey)
    }

    func isBound(to key: SessionKey) -> Bool { keyTemplate === key.hmacTemplate }

    func isBound(to key: SessionKey, order: BeamOrder) -> Bool { isBound(to: key) && self.order == order }

    /// A cache primed from a session file that verified on its canonical fast path, so that the
    /// first save after a load is as cheap as the ones after it: the conversation's elements are
    /// the file's own bytes (`CanonicalElementCache.elementRanges`, checked against the decoded
    /// `conversation`), the MAC state absorbs the file up to the last element (the `signature`
    /// member sorts after `conversation`, so those bytes are the unsigned body's; the next signing
    /// checks that before resuming). The file must be canonical in `order`. nil when the file has no
    /// non-empty conversation to split.
    package static func primed(fromCanonicalFile file: [UInt8], conversation: [JSONValue], key: SessionKey, order: BeamOrder,
                       memberKey: String) throws -> SigningCache? {
        guard let ranges = file.withUnsafeBytes({ CanonicalElementCache.elementRanges(in: $0, memberKey: memberKey) }),
              ranges.count == conversation.count, let last = ranges.last else { return nil }
        var cache = SigningCache(key: key, order: order, memberKey: memberKey)
        var elements = CanonicalElementCache(memberKey: memberKey)
        elements.replace(elements: conversation, encodings: ranges.map { Array(file[$0]) }, lastElementEnd: last.upperBound, order: order)
        cache.elements = elements
        var mac = try HMACSHA256(key: key)
        try file.withUnsafeBytes { try mac.update(UnsafeRawBufferPointer(rebasing: $0[..<last.upperBound])) }
        cache.macState = mac
        cache.macPrefixLength = last.upperBound
        cache.previousBody = file
        return cache
    }

    /// Memory held (element encodings and the two buffers).
    var memoryBytes: Int { (elements?.encodedBytes ?? 0) + previousBody.capacity + spare.capacity }

    /// Storage for the next encoding (taken: the cache no longer holds it).
    mutating func takeBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &spare)
        return buffer
    }

    /// HMAC(key, body), resuming the saved state when `body` starts with the bytes it absorbed.
    /// Saves the state after `body[..<snapshotAt]` for the next call (an append keeps those bytes).
    mutating func authenticationCode(for body: [UInt8], snapshotAt: Int?, key: SessionKey) throws -> MessageAuthenticationCode {
        var mac: HMACSHA256
        var fed = 0
        lastSigningResumed = false
        if let state = macState, isBound(to: key), resumable(body) {
            mac = state
            fed = macPrefixLength
            lastSigningResumed = true
        } else {
            mac = try HMACSHA256(key: key)
        }
        macState = nil
        macPrefixLength = 0
        try body.withUnsafeBytes { raw in
            if let end = snapshotAt, end >= fed, end <= raw.count {
                try mac.update(UnsafeRawBufferPointer(rebasing: raw[fed..<end]))
                macState = mac // Copy on write: `mac` continues on its own copy of the context.
                macPrefixLength = end
                fed = end
            }
            try mac.update(UnsafeRawBufferPointer(rebasing: raw[fed...]))
        }
        let tag = try mac.finalize()
        spare = previousBody
        previousBody = body
        return tag
    }

    /// True when `body` starts with the `macPrefixLength` bytes of `previousBody`.
    private func resumable(_ body: [UInt8]) -> Bool {
        let n = macPrefixLength
        guard n > 0, n <= body.count, n <= previousBody.count else { return false }
        return body.withUnsafeBytes { a in
            previousBody.withUnsafeBytes { b in
                guard let x = a.baseAddress, let y = b.baseAddress else { return false }
                return memcmp(x, y, n) == 0
            }
        }
    }
}
