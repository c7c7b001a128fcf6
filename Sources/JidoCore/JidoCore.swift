/// JidoCore: read, verify and write JidoCode v1 session files, safely on a hostile file system.
///
/// Folders by concern, lowest first:
/// - `Concurrency/`: the lock primitive (`PthreadMutex`).
/// - `JSON/`: value model, strict decoder, canonical encoder, one-pass canonical scanner, and the byte-to-text
///   encodings below everything else (`Hex`; the file layer names its temporaries with it).
/// - `FileSystem/`: the only place that calls libc file APIs (descriptors, checked reads, atomic writes, locks,
///   the trust rule, the standard streams).
/// - `Crypto/`: libcrypto calls, key derivation and cache, HMAC, Base64.
/// - `Session/`: the session format: the schema table (`SessionSchema`), `Session` and `SessionID`, signatures
///   and their verification, and `SessionFile.inspect`, the one reading of a file's bytes.
/// - `Store/`: `SessionStore` (load, save, list, delete, cleanup), its errors, save queue, limits, rate limiter,
///   `StoreLayout` (every path name) and the machine secret that lives in that layout (`MachineSecret`).
///
/// Dependencies point down only: a folder may use the folders listed before it, never one listed after it
/// (Concurrency ← JSON ← FileSystem ← Crypto ← Session ← Store; the targets built on JidoCore, the audit and
/// the tools, sit above Store). `ArchitectureTests` enforces it.
public enum JidoCore {
    /// The version of this library, reported by the tools built on it.
    public static let version = "0.1.0"
}
