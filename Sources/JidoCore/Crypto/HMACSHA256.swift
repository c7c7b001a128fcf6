/// HMAC-SHA256 (RFC 2104) under a `SessionKey`, incremental, with value semantics: a copy
/// continues independently of the original. Any use after `finalize()` throws
/// `CryptoError.contextFinalized`. Tags are `MessageAuthenticationCode`s, compared in constant time.
package struct HMACSHA256: IncrementalDigest {
    package static let byteCount = 32

    private var context: LibCrypto.MACContext

    /// Starts from the key's pre-keyed template; the key bytes are not copied again.
    package init(key: SessionKey) throws {
        context = try key.hmacTemplate.makeContext()
    }

    package mutating func update(_ bytes: UnsafeRawBufferPointer) throws {
        try uniqueContext().update(bytes)
    }

    /// The 32-byte tag over everything passed to `update`.
    package mutating func finalize() throws -> MessageAuthenticationCode {
        try Self.tag(uniqueContext().finalize())
    }

    /// The 32-byte tag of `bytes` under `key`.
    package static func authenticationCode(for bytes: UnsafeRawBufferPointer, key: SessionKey) throws -> MessageAuthenticationCode {
        let context = try key.hmacTemplate.makeContext()
        try context.update(bytes)
        return try tag(context.finalize())
    }

    /// The 32-byte tag of `bytes` under `key`.
    package static func authenticationCode(for bytes: some Collection<UInt8>, key: SessionKey) throws -> MessageAuthenticationCode {
        var mac = try HMACSHA256(key: key)
        try mac.update(bytes)
        return try mac.finalize()
    }

    private static func tag(_ bytes: [UInt8]) throws -> MessageAuthenticationCode {
        guard let tag = MessageAuthenticationCode(bytes: bytes) else { throw CryptoError.libcrypto(operation: "EVP_MAC_final") }
        return tag
    }

    private mutating func uniqueContext() throws -> LibCrypto.MACContext {
        if !isKnownUniquelyReferenced(&context) {
            context = try context.copy()
        }
        return context
    }
}

/// Comparison of secret-dependent values (MAC tags) whose timing does not reveal where they differ.
package enum ConstantTime {
    /// `true` iff the contents are equal. Lengths are treated as public: unequal lengths return
    /// `false` at once; equal lengths are compared with `CRYPTO_memcmp`.
    package static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        LibCrypto.constantTimeEquals(a, b)
    }

    /// `true` iff the contents are equal; see `equals(_:_:)` for raw buffers.
    package static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in LibCrypto.constantTimeEquals(a, b) } }
    }
}
