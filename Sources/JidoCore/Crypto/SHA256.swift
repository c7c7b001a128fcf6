/// SHA-256 (FIPS 180-4) through libcrypto.
package enum SHA256 {
    package static let byteCount = 32

    /// The 32-byte digest of `bytes`.
    package static func hash(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        try LibCrypto.sha256(bytes)
    }

    /// The 32-byte digest of `bytes`.
    package static func hash(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        if let digest = try bytes.withContiguousStorageIfAvailable({ try LibCrypto.sha256(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return try Array(bytes).withUnsafeBytes { try LibCrypto.sha256($0) }
    }

    /// Incremental SHA-256 with value semantics: a copy continues independently of the original.
    /// Any use after `finalize()` throws `CryptoError.contextFinalized`.
    package struct Context: IncrementalDigest {
        private var context: LibCrypto.DigestContext

        package init() throws {
            context = try LibCrypto.DigestContext.sha256()
        }

        package mutating func update(_ bytes: UnsafeRawBufferPointer) throws {
            try uniqueContext().update(bytes)
        }

        /// The digest of everything passed to `update`.
        package mutating func finalize() throws -> [UInt8] {
            try uniqueContext().finalize()
        }

        private mutating func uniqueContext() throws -> LibCrypto.DigestContext {
            if !isKnownUniquelyReferenced(&context) {
                context = try context.copy()
            }
            return context
        }
    }
}

/// A MAC or hash fed in pieces; the collection overload is shared by every conformer.
package protocol IncrementalDigest {
    /// What `finalize()` returns: the digest's bytes, or a typed tag.
    associatedtype Output
    mutating func update(_ bytes: UnsafeRawBufferPointer) throws
    mutating func finalize() throws -> Output
}

extension IncrementalDigest {
    /// Feeds any byte collection (contiguous ones without a copy).
    package mutating func update(_ bytes: some Collection<UInt8>) throws {
        if try bytes.withContiguousStorageIfAvailable({ try update(UnsafeRawBufferPointer($0)) }) != nil {
            return
        }
        try Array(bytes).withUnsafeBytes { try update($0) }
    }
}
