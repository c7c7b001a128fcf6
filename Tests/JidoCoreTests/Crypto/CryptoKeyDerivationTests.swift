import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

extension CryptoTests {
    @Suite struct KeyDerivation {
        static func pbkdf2(_ password: String, _ salt: String, _ iterations: Int, _ length: Int) throws -> String {
            let output = try SecureBytes(count: length) { output in
                try Array(password.utf8).withUnsafeBytes { password in
                    try Array(salt.utf8).withUnsafeBytes { salt in
                        try LibCrypto.pbkdf2HMACSHA256(password: password, salt: salt, iterations: iterations, into: output)
                    }
                }
            }
            return CryptoTests.hex(output.withUnsafeBytes { Array($0) })
        }

        /// RFC 7914 §11 and the widely published RFC 6070-style PBKDF2-HMAC-SHA256 vectors.
        @Test func pbkdf2KnownAnswers() throws {
            #expect(try Self.pbkdf2("password", "salt", 1, 32)
                == "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
            #expect(try Self.pbkdf2("password", "salt", 2, 32)
                == "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43")
            #expect(try Self.pbkdf2("password", "salt", 4096, 32)
                == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
            #expect(try Self.pbkdf2("passwd", "salt", 1, 64)
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                + "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
            #expect(try Self.pbkdf2("Password", "NaCl", 80000, 64)
                == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                + "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
        }

        @Test func pbkdf2RejectsBadParameters() throws {
            #expect(throws: CryptoError.lengthOutOfRange(operation: "PKCS5_PBKDF2_HMAC")) {
                try Self.pbkdf2("password", "salt", 0, 32)
            }
            #expect(throws: CryptoError.lengthOutOfRange(operation: "PKCS5_PBKDF2_HMAC")) {
                try Self.pbkdf2("password", "salt", 1, 0)
            }
        }

        struct Manifest: Decodable {
            let machine_secret: String
            let hostname: String
            let derived_key_hex: String
        }

        /// JidoCode's own output: the derived key for each fixture store, from the secret FILE's bytes.
        @Test(arguments: ["basic", "mixed"])
        func jidoCodeGroundTruth(_ store: String) throws {
            let folder = try TestVectors.directory().appendingPathComponent(store, isDirectory: true)
            let manifest = try JSONDecoder().decode(
                Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
            let secret = [UInt8](try Data(contentsOf: folder.appendingPathComponent("home/.jido_code/machine_secret")))
            #expect(secret == Array(manifest.machine_secret.utf8), "the secret file holds the hex text itself")

            let key = try SessionKey.derive(machineSecret: secret, hostname: manifest.hostname)
            #expect(CryptoTests.hex(CryptoTests.keyBytes(key)) == manifest.derived_key_hex)

            let salt = SessionKeyDerivation.appSalt + manifest.machine_secret + manifest.hostname
            #expect(try Self.pbkdf2(SessionKeyDerivation.password, salt, SessionKeyDerivation.iterations, 32)
                == manifest.derived_key_hex)
        }

        @Test func hostnameAndSecretBothBindTheKey() throws {
            let secret = Array("0123456789abcdef".utf8)
            let base = CryptoTests.keyBytes(try SessionKey.derive(machineSecret: secret, hostname: "a"))
            #expect(base.count == SessionKeyDerivation.keyLength)
            #expect(CryptoTests.keyBytes(try SessionKey.derive(machineSecret: secret, hostname: "b")) != base)
            #expect(CryptoTests.keyBytes(try SessionKey.derive(machineSecret: secret + [0x0a], hostname: "a")) != base)
        }
    }

    @Suite struct KeyCache {
        static let secret = Array("24159df5d43308cb82c7165876d853c8c8f4e1e4574d6a401b27598c3d9f6ed2".utf8)

        @Test func sameInputsSameKeyDerivedOnce() throws {
            let cache = SessionKeyCache()
            let first = try cache.key(machineSecret: Self.secret, hostname: "devbox")
            let second = try cache.key(machineSecret: Self.secret, hostname: "devbox")
            #expect(cache.derivationCount == 1)
            #expect(CryptoTests.keyBytes(first) == CryptoTests.keyBytes(second))
            #expect(CryptoTests.hex(CryptoTests.keyBytes(first))
                == "ebf3bdcdb02a6ff3db760842c226928fbe470619164db2f797a1a92854cb43cd")

            let other = try cache.key(machineSecret: Self.secret, hostname: "devbox2")
            #expect(cache.derivationCount == 2)
            #expect(CryptoTests.keyBytes(other) != CryptoTests.keyBytes(first))
        }

        @Test func boundaryBetweenSecretAndHostnameIsUnambiguous() throws {
            let cache = SessionKeyCache()
            let a = try cache.key(machineSecret: Array("ab".utf8), hostname: "c")
            let b = try cache.key(machineSecret: Array("a".utf8), hostname: "bc")
            #expect(cache.derivationCount == 2)
            // Same PBKDF2 salt, so the keys agree; what matters is that both were looked up separately.
            #expect(CryptoTests.keyBytes(a) == CryptoTests.keyBytes(b))
        }

        @Test func evictsLeastRecentlyUsed() throws {
            let cache = SessionKeyCache(capacity: 2)
            _ = try cache.key(machineSecret: Self.secret, hostname: "a")
            _ = try cache.key(machineSecret: Self.secret, hostname: "b")
            _ = try cache.key(machineSecret: Self.secret, hostname: "a")
            #expect(cache.derivationCount == 2)
            _ = try cache.key(machineSecret: Self.secret, hostname: "c")  // evicts "b"
            _ = try cache.key(machineSecret: Self.secret, hostname: "a")
            #expect(cache.derivationCount == 3)
            _ = try cache.key(machineSecret: Self.secret, hostname: "b")
            #expect(cache.derivationCount == 4)
        }

        final class Results: @unchecked Sendable {
            private let lock = NSLock()
            private var values: [Result<[UInt8], any Error>] = []
            func append(_ value: Result<[UInt8], any Error>) { lock.withLock { values.append(value) } }
            var all: [Result<[UInt8], any Error>] { lock.withLock { values } }
        }

        @Test func concurrentCallersShareOneDerivation() throws {
            let cache = SessionKeyCache()
            let results = Results()
            let start = DispatchSemaphore(value: 0)
            let group = DispatchGroup()
            for _ in 0 ..< 8 {
                group.enter()
                Thread.detachNewThread {
                    start.wait()
                    results.append(Result { CryptoTests.keyBytes(try cache.key(machineSecret: Self.secret, hostname: "devbox")) })
                    group.leave()
                }
            }
            for _ in 0 ..< 8 { start.signal() }
            group.wait()
            let keys = try results.all.map { try $0.get() }
            #expect(keys.count == 8)
            #expect(Set(keys).count == 1)
            #expect(cache.derivationCount == 1)
        }
    }
}
