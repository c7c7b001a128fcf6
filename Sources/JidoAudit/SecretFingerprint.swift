public import JidoCore

/// Which machine secret was used, safe to print: the first 16 hex characters of
/// SHA-256("jido-audit secret fingerprint v1" NUL ‖ the secret file's exact bytes). The prefix keeps it apart
/// from every other hash of the secret; 64 bits tell secrets apart and reveal nothing usable about a random
/// secret. Shown by `jido-audit key` (and checkable with `openssl dgst`, README "Checking a signature by hand").
public enum SecretFingerprint {
    public static let domain: [UInt8] = Array("jido-audit secret fingerprint v1".utf8) + [0]
    public static let hexCount = 16

    public static func of(secret: SecureBytes) throws -> String {
        try secret.withUnsafeBytes { try of(raw: $0) }
    }

    public static func of(secret: [UInt8]) throws -> String {
        try secret.withUnsafeBytes { try of(raw: $0) }
    }

    public static func of(_ secret: MachineSecret) throws -> String {
        try of(secret: secret.bytes)
    }

    private static func of(raw: UnsafeRawBufferPointer) throws -> String {
        var digest = try SHA256.Context()
        try digest.update(domain)
        try digest.update(raw)
        return String(Hex.lowercase(try digest.finalize()).prefix(hexCount))
    }
}
