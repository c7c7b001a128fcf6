import CLibCrypto

/// A failure in the crypto layer (the key's inputs and the computations on it). No case carries
/// secret material.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A libcrypto call reported failure; `operation` names the call.
    case libcrypto(operation: String)
    /// The random generator could not supply bytes; nothing was returned.
    case randomUnavailable
    /// A length was negative or too large for the libcrypto call named by `operation`.
    case lengthOutOfRange(operation: String)
    /// A streaming context was used after `finalize()`.
    case contextFinalized
    /// The host name, an input of the key, could not be read: `gethostname` failed with this errno,
    /// or (`ENAMETOOLONG`) returned no terminator.
    case hostnameUnavailable(errno: Int32)

    /// What went wrong, without detail, for anyone.
    public var userMessage: String {
        switch self {
        case .randomUnavailable: return "No secure random bytes are available; nothing was created."
        case .hostnameUnavailable:
            return "This machine's host name cannot be read; give the host name JidoCode uses explicitly (--hostname NAME)."
        case .libcrypto, .lengthOutOfRange, .contextFinalized:
            return "The cryptography library (OpenSSL) failed; nothing was signed or trusted. See the log for the call."
        }
    }

    /// Full detail for logs.
    public var logDescription: String {
        switch self {
        case let .libcrypto(operation): return "libcrypto call \(operation) failed"
        case .randomUnavailable: return "RAND_bytes failed"
        case let .lengthOutOfRange(operation): return "length out of range for \(operation)"
        case .contextFinalized: return "digest context used after finalize()"
        case let .hostnameUnavailable(code): return "gethostname failed (\(Errno(rawValue: code))); pass --hostname NAME"
        }
    }

    public var description: String { logDescription }

    /// Runs `body`, whose calls throw only `CryptoError` (the internal layer's signatures are
    /// untyped), with the error typed.
    static func typed<R>(_ body: () throws -> R) throws(CryptoError) -> R {
        do { return try body() } catch let error as CryptoError { throw error } catch { throw .libcrypto(operation: "\(error)") }
    }
}

/// The only code that calls OpenSSL. Every return value is checked; every failure throws and
/// clears this thread's OpenSSL error queue so stale entries cannot be misattributed later.
enum LibCrypto {
    static let sha256Length = 32

    private static func failure(_ operation: String) -> CryptoError {
        ERR_clear_error()
        return .libcrypto(operation: operation)
    }

    private static func int32(_ value: Int, _ operation: String) throws -> Int32 {
        guard let narrow = Int32(exactly: value), narrow >= 0 else {
            throw CryptoError.lengthOutOfRange(operation: operation)
        }
        return narrow
    }

    // MARK: Algorithms, fetched once per process

    /// A fetched `EVP_MAC`/`EVP_MD`. Sendable because it is never mutated after the fetch and
    /// OpenSSL documents fetched algorithm objects as shareable between threads; never freed.
    private final class Algorithm: @unchecked Sendable {
        let pointer: OpaquePointer
        init?(_ pointer: OpaquePointer?) {
            guard let pointer else { return nil }
            self.pointer = pointer
        }
    }

    /// `nil` if the fetch failed; the failure is then permanent for this process.
    private static let hmac = Algorithm(EVP_MAC_fetch(nil, "HMAC", nil))
    private static let sha256 = Algorithm(EVP_MD_fetch(nil, "SHA256", nil))
    /// Only for `FallbackSecret` (JidoCode's weak key): nil on a FIPS-only build, where it fails.
    private static let md5 = Algorithm(EVP_MD_fetch(nil, "MD5", nil))

    private static func sha256Digest() throws -> OpaquePointer {
        guard let sha256 else { throw failure("EVP_MD_fetch(SHA256)") }
        return sha256.pointer
    }

    // MARK: Primitives

    /// Overwrites `buffer` with zeros in a way the compiler cannot elide.
    static func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }

    /// Byte equality whose running time depends only on the length.
    static func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress, a.count > 0 else { return true }
        return CRYPTO_memcmp(pa, pb, a.count) == 0
    }

    /// Fills `buffer` from the OpenSSL DRBG; throws rather than returning weak or partial output.
    static func randomBytes(into buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let count = try int32(buffer.count, "RAND_bytes")
        guard RAND_bytes(base.assumingMemoryBound(to: UInt8.self), count) == 1 else {
            cleanse(buffer)
            ERR_clear_error()
            throw CryptoError.randomUnavailable
        }
    }

    /// PBKDF2-HMAC-SHA256 of `password` and `salt`, filling all of `output`.
    static func pbkdf2HMACSHA256(
        password: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, iterations: Int,
        into output: UnsafeMutableRawBufferPointer
    ) throws {
        let operation = "PKCS5_PBKDF2_HMAC"
        let passwordLength = try int32(password.count, operation)
        let saltLength = try int32(salt.count, operation)
        let outputLength = try int32(output.count, operation)
        guard iterations >= 1, let rounds = Int32(exactly: iterations), let out = output.baseAddress,
              outputLength > 0
        else { throw CryptoError.lengthOutOfRange(operation: operation) }
        let ok = PKCS5_PBKDF2_HMAC(
            password.baseAddress?.assumingMemoryBound(to: CChar.self), passwordLength,
            salt.baseAddress?.assumingMemoryBound(to: UInt8.self), saltLength,
            rounds, EVP_sha256(), outputLength, out.assumingMemoryBound(to: UInt8.self))
        guard ok == 1 else {
            cleanse(output)
            throw failure(operation)
        }
    }

    /// One-shot SHA-256.
    static func sha256(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        let md = try sha256Digest()
        var size: UInt32 = 0
        let digest = try [UInt8](unsafeUninitializedCapacity: sha256Length) { out, initialized in
            guard EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &size, md, nil) == 1,
                  Int(size) == sha256Length
            else { throw failure("EVP_Digest") }
            initialized = sha256Length
        }
        return digest
    }

    /// One-shot MD5, only to recompute JidoCode's fallback secret (`FallbackSecret`); never for integrity.
    static func md5(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let md5 else { throw failure("EVP_MD_fetch(MD5)") }
        let length = 16
        var size: UInt32 = 0
        return try [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            guard EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &size, md5.pointer, nil) == 1, Int(size) == length
            else { throw failure("EVP_Digest(MD5)") }
            initialized = length
        }
    }

    // MARK: HMAC-SHA256 contexts

    /// A keyed HMAC-SHA256 context that is only ever duplicated. Sendable because it is never
    /// mutated after init and `EVP_MAC_CTX_dup` takes it by const pointer (openssl-threads(7)).
    final class HMACTemplate: @unchecked Sendable {
        private let context: OpaquePointer

        init(key: UnsafeRawBufferPointer) throws {
            guard let hmac else { throw failure("EVP_MAC_fetch(HMAC)") }
            guard let keyBase = key.baseAddress, key.count > 0 else {
                throw CryptoError.lengthOutOfRange(operation: "EVP_MAC_init")
            }
            guard let context = EVP_MAC_CTX_new(hmac.pointer) else { throw failure("EVP_MAC_CTX_new") }
            let ok = OSSL_MAC_PARAM_DIGEST.withCString { name in
                "SHA256".withCString { value in
                    // The parameter is only read: OSSL_PARAM merely lacks a const variant.
                    let params = [
                        OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                        OSSL_PARAM_construct_end(),
                    ]
                    return EVP_MAC_init(
                        context, keyBase.assumingMemoryBound(to: UInt8.self), key.count, params)
                }
            }
            guard ok == 1 else {
                EVP_MAC_CTX_free(context)
                throw failure("EVP_MAC_init")
            }
            self.context = context
        }

        deinit { EVP_MAC_CTX_free(context) }

        func makeContext() throws -> MACContext {
            guard let copy = EVP_MAC_CTX_dup(context) else { throw failure("EVP_MAC_CTX_dup") }
            return MACContext(copy)
        }
    }

    /// A mutable HMAC context owned by one streaming computation; freed (and wiped by OpenSSL) in deinit.
    final class MACContext {
        private let context: OpaquePointer
        private var finalized = false

        fileprivate init(_ context: OpaquePointer) { self.context = context }
        deinit { EVP_MAC_CTX_free(context) }

        func copy() throws -> MACContext {
            guard !finalized else { throw CryptoError.contextFinalized }
            guard let copy = EVP_MAC_CTX_dup(context) else { throw failure("EVP_MAC_CTX_dup") }
            return MACContext(copy)
        }

        func update(_ bytes: UnsafeRawBufferPointer) throws {
            guard !finalized else { throw CryptoError.contextFinalized }
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            guard EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count) == 1
            else { throw failure("EVP_MAC_update") }
        }

        func finalize() throws -> [UInt8] {
            guard !finalized else { throw CryptoError.contextFinalized }
            finalized = true
            var length = 0
            return try [UInt8](unsafeUninitializedCapacity: sha256Length) { out, initialized in
                guard EVP_MAC_final(context, out.baseAddress, &length, sha256Length) == 1,
                      length == sha256Length
                else { throw failure("EVP_MAC_final") }
                initialized = sha256Length
            }
        }
    }

    // MARK: SHA-256 contexts

    /// A mutable SHA-256 context; freed (and wiped by OpenSSL) in deinit.
    final class DigestContext {
        private let context: OpaquePointer
        private var finalized = false

        private init(_ context: OpaquePointer) { self.context = context }
        deinit { EVP_MD_CTX_free(context) }

        static func sha256() throws -> DigestContext {
            let md = try sha256Digest()
            guard let context = EVP_MD_CTX_new() else { throw failure("EVP_MD_CTX_new") }
            let result = DigestContext(context)
            guard EVP_DigestInit_ex2(context, md, nil) == 1 else { throw failure("EVP_DigestInit_ex2") }
            return result
        }

        func copy() throws -> DigestContext {
            guard !finalized else { throw CryptoError.contextFinalized }
            guard let context = EVP_MD_CTX_new() else { throw failure("EVP_MD_CTX_new") }
            let result = DigestContext(context)
            guard EVP_MD_CTX_copy_ex(context, self.context) == 1 else { throw failure("EVP_MD_CTX_copy_ex") }
            return result
        }

        func update(_ bytes: UnsafeRawBufferPointer) throws {
            guard !finalized else { throw CryptoError.contextFinalized }
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { throw failure("EVP_DigestUpdate") }
        }

        func finalize() throws -> [UInt8] {
            guard !finalized else { throw CryptoError.contextFinalized }
            finalized = true
            var size: UInt32 = 0
            return try [UInt8](unsafeUninitializedCapacity: sha256Length) { out, initialized in
                guard EVP_DigestFinal_ex(context, out.baseAddress, &size) == 1, Int(size) == sha256Length
                else { throw failure("EVP_DigestFinal_ex") }
                initialized = sha256Length
            }
        }
    }
}
