/// Cryptographically secure random bytes from OpenSSL's DRBG.
package enum SecureRandom {
    /// `count` random bytes; throws `CryptoError.randomUnavailable` if the generator fails and
    /// never substitutes a weaker source.
    package static func bytes(count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw CryptoError.lengthOutOfRange(operation: "RAND_bytes") }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try LibCrypto.randomBytes(into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }
}
