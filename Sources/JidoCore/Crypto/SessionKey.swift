/// The JidoCode v1 session-signing key derivation parameters, fixed by the file format.
package enum SessionKeyDerivation {
    public static let appSalt = "jido_code_session_v1"
    public static let password = "jido_code_session_v1"
    public static let iterations = 100_000
    public static let keyLength = 32
}

/// The 32-byte HMAC-SHA256 key that signs session files. Its bytes live only in a `SecureBytes`
/// (wiped on release) and in an OpenSSL context (freed with wiping); it is never printed.
public struct SessionKey: Sendable {
    private let material: SecureBytes
    /// Pre-keyed so each MAC starts from `EVP_MAC_CTX_dup` instead of re-keying.
    let hmacTemplate: LibCrypto.HMACTemplate

    /// Wraps `material` as an HMAC key. Only `derive` and `ephemeral` produce 32-byte keys; other
    /// lengths exist for test vectors.
    init(material: SecureBytes) throws {
        self.material = material
        self.hmacTemplate = try material.withUnsafeBytes { try LibCrypto.HMACTemplate(key: $0) }
    }

    /// JidoCode's key: PBKDF2-HMAC-SHA256(password, appSalt ‖ machineSecret ‖ UTF-8 hostname),
    /// 100,000 iterations, 32 bytes. `machineSecret` is the file's raw bytes, unparsed.
    public static func derive(machineSecret: some Collection<UInt8>, hostname: String) throws(CryptoError) -> SessionKey {
        try CryptoError.typed { try deriveUntyped(machineSecret: machineSecret, hostname: hostname) }
    }

    private static func deriveUntyped(machineSecret: some Collection<UInt8>, hostname: String) throws -> SessionKey {
        let prefix = SessionKeyDerivation.appSalt.utf8
        let host = hostname.utf8
        let secretCount = machineSecret.count
        let salt = SecureBytes(count: prefix.count + secretCount + host.count) { salt in
            salt.copyBytes(from: prefix)
            UnsafeMutableRawBufferPointer(rebasing: salt[prefix.count...]).copyBytes(from: machineSecret)
            UnsafeMutableRawBufferPointer(rebasing: salt[(prefix.count + secretCount)...]).copyBytes(from: host)
        }
        let key = try SecureBytes(count: SessionKeyDerivation.keyLength) { output in
            try Array(SessionKeyDerivation.password.utf8).withUnsafeBytes { password in
                try salt.withUnsafeBytes { salt in
                    try LibCrypto.pbkdf2HMACSHA256(
                        password: password, salt: salt, iterations: SessionKeyDerivation.iterations,
                        into: output)
                }
            }
        }
        return try SessionKey(material: key)
    }

    /// A fresh random key from the OpenSSL DRBG, for callers that explicitly want a key that
    /// lives only in memory. Throws if the generator fails; never falls back.
    public static func ephemeral() throws(CryptoError) -> SessionKey {
        try CryptoError.typed {
            let key = try SecureBytes(count: SessionKeyDerivation.keyLength) { try LibCrypto.randomBytes(into: $0) }
            return try SessionKey(material: key)
        }
    }

    /// HMAC-SHA256 of `message` under this key: what a session file's `signature` is the base64 of
    /// (`message` being the file's canonical form without it).
    public func authenticationCode(for message: some Collection<UInt8>) throws(CryptoError) -> MessageAuthenticationCode {
        try CryptoError.typed { try HMACSHA256.authenticationCode(for: message, key: self) }
    }

    /// Lends the raw key bytes for the duration of `body`; the pointer must not escape it.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try material.withUnsafeBytes(body)
    }
}

extension SessionKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "SessionKey(<redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
