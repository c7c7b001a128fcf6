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
        ("decode", decode), ("verify", verify), ("session", session), ("differential", differential), ("fastpath", fastPath),
    ]

    // MARK: - Keys

    /// The fixed keys the fuzzers verify with: `key` is JidoCode's `mixed` vector store's (secret and
    /// hostname from Tests/Fixtures/jidocode-v1/mixed/manifest.json), so the corpus's signed seeds reach
    /// `.valid`; `other` is the `basic` store's: nothing signed under `key` may verify under it. Derived
    /// once; a failure (only a broken libcrypto) is a violation of every check, never a trap.
    package static let fixedKeys: Result<(key: SessionKey, other: SessionKey), InvariantViolation> = Result {
        () throws(InvariantViolation) in
        (try derive(secret: "e81805a7aeeddd132281a02e8295a108bfeb4ae4c11237192af9cd2b5f587042", hostname: "jido-fixture-host"),
         try derive(secret: "24159df5d43308cb82c7165876d853c8c8f4e1e4574d6a401b27598c3d9f6ed2", hostname: "devbox"))
    }

    /// The fixed keys, or the derivation failure as a violation of `check`.
    package static func keys(_ check: String) throws(InvariantViolation) -> (key: SessionKey, other: SessionKey) {
        switch fixedKeys {
        case let .success(keys): return keys
        case let .failure(error): throw InvariantViolation(check: check, message: error.message)
        }
    }

    private static func derive(secret: String, hostname: String) throws(InvariantViolation) -> SessionKey {
        do {
            return try SessionKey.derive(machineSecret: Array(secret.utf8), hostname: hostname)
        } catch {
            throw InvariantViolation(check: "keys", message: "the fixed key could not be derived: \(error)")
        }
    }
}
