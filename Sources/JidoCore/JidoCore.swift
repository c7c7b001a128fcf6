/// JidoCore: read, verify and write JidoCode v1 session files, safely on a hostile file system.
///
/// Folders by concern: `JSON/` (value model, strict decoder, canonical encoder), `Crypto/` (libcrypto
/// calls, key derivation, signing, machine secret), `FileSystem/` (the only place that calls libc file
/// APIs), `Session/` (the signed-document format and its verification).
public enum JidoCore {
    /// The version of this library, reported by the tools built on it.
    public static let version = "0.1.0"
}
