// The invariants the fuzzers check, in one place for both of their users:
//   Fuzz/ (libFuzzer + ASan; `FuzzCommon/FuzzEntry.swift` turns a violation into a crash), and
//   Tests/JidoCoreTests/FuzzReplay/ (`swift test` replays Corpus/ through these checks; a violation fails).
// One file per fuzz target (`DecodeCheck.swift`, `VerifyCheck.swift`, `SessionCheck.swift`,
// `DifferentialCheck.swift`), the shared helpers in `Helpers.swift`.
//
// Every check takes the raw input and throws an `InvariantViolation` naming the broken invariant; it
// never crashes on its own, so the replay test can report it with #expect. JidoCore is imported
// without `@testable`: what the checks need beyond JidoCore's public API is `package` there (this
// target is in the same package), so the fuzzers build in release without `-enable-testing`.

package import JidoCore

/// A broken invariant: which check, and what was seen.
public struct InvariantViolation: Error, CustomStringConvertible {
    public let check: String
    public let message: String
    public var description: String { "[\(check)] \(message)" }
}

public enum FuzzChecks {
    /// The fuzz targets by name, as `Corpus/<name>/` and the executables are called.
    public static let targets: [(name: String, check: @Sendable ([UInt8]) throws(InvariantViolation) -> Void)] = [
        ("decode", decode), ("verify", verify), ("session", session), ("differential", differential),
    ]

    // MARK: - Keys

    /// The fixed key the fuzzers verify with: JidoCode's `mixed` vector store (secret and hostname from
    /// shared/vectors/jidocode-v1/mixed/manifest.json), so the corpus's signed seeds reach `.valid`.
    package static let key: SessionKey = derive(secret: "e81805a7aeeddd132281a02e8295a108bfeb4ae4c11237192af9cd2b5f587042",
                                                hostname: "jido-fixture-host")
    /// A second fixed key (the `basic` store's): nothing signed under `key` may verify under it.
    package static let otherKey: SessionKey = derive(secret: "24159df5d43308cb82c7165876d853c8c8f4e1e4574d6a401b27598c3d9f6ed2",
                                                     hostname: "devbox")

    private static func derive(secret: String, hostname: String) -> SessionKey {
        do {
            return try SessionKey.derive(machineSecret: Array(secret.utf8), hostname: hostname)
        } catch {
            // Unreachable from input: fixed, valid arguments; only a broken libcrypto fails here.
            fatalError("FuzzChecks: key derivation failed: \(error)")
        }
    }
}
