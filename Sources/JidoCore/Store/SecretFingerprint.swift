/// The one fingerprint of a machine secret that jido-audit prints (the audit's header, its JSON
/// report, `MachineSecret.fingerprint()`): safe to show and compare, it never reveals the secret.
///
/// It is the first 16 hex digits (64 bits) of SHA-256 over the domain-separation string
/// `jido-audit secret fingerprint v1` and one NUL byte, followed by the secret file's exact bytes.
/// The prefix makes it a value no other protocol computes (a bare SHA-256 of the secret could be
/// matched against hashes of it published elsewhere). Anyone can reproduce it:
///
///     { printf 'jido-audit secret fingerprint v1\0'; cat ~/.jido_code/machine_secret; } | sha256sum | cut -c1-16
///
/// Two stores show the same fingerprint exactly when (up to a 2^-64 chance) they share the secret.
package enum SecretFingerprint {
    /// The domain-separation prefix, NUL included.
    package static let prefix: [UInt8] = Array("jido-audit secret fingerprint v1".utf8) + [0]
    /// Hex digits kept.
    package static let length = 16

    /// The fingerprint of the secret bytes `secret` (hashed in place: no copy of the secret is made).
    package static func of(secret: UnsafeRawBufferPointer) throws -> String {
        var context = try SHA256.Context()
        try prefix.withUnsafeBytes { try context.update($0) }
        try context.update(secret)
        return String(Hex.lowercase(try context.finalize()).prefix(length))
    }

    /// The fingerprint of `secret`.
    package static func of(secret: MachineSecret) throws -> String {
        try secret.bytes.withUnsafeBytes { try of(secret: $0) }
    }
}
