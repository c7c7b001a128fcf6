import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// Root of the crypto-layer tests; `swift test --filter CryptoTests` runs them all.
@Suite struct CryptoTests {
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func hex(_ tag: MessageAuthenticationCode) -> String { hex(tag.bytes) }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0 ..< $0 + 2], as: UTF8.self), radix: 16) ?? 0
        }
    }

    static func keyBytes(_ key: SessionKey) -> [UInt8] {
        key.withUnsafeBytes { Array($0) }
    }

    // MARK: SHA-256 (FIPS 180-4 examples)

    static let sha256Vectors: [(message: String, digest: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ]

    @Test func sha256KnownAnswers() throws {
        for (message, digest) in Self.sha256Vectors {
            let bytes = Array(message.utf8)
            #expect(Self.hex(try SHA256.hash(bytes)) == digest)
            #expect(Self.hex(try bytes.withUnsafeBytes { try SHA256.hash($0) }) == digest)
            for split in 0 ... bytes.count {
                var context = try SHA256.Context()
                try context.update(bytes[..<split])
                try bytes[split...].withUnsafeBytes { try context.update($0) }
                #expect(Self.hex(try context.finalize()) == digest)
            }
        }
    }

    @Test func sha256ContextHasValueSemanticsAndRejectsReuse() throws {
        var first = try SHA256.Context()
        try first.update(Array("ab".utf8))
        var second = first
        try second.update(Array("X".utf8))
        try first.update(Array("c".utf8))
        #expect(Self.hex(try first.finalize()) == Self.sha256Vectors[1].digest)
        #expect(try second.finalize() == SHA256.hash(Array("abX".utf8)))
        #expect(throws: CryptoError.contextFinalized) { try first.finalize() }
        #expect(throws: CryptoError.contextFinalized) { try first.update([1]) }
    }

    // MARK: Random, constant time, secret containers

    @Test func secureRandomBytes() throws {
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
        #expect(throws: CryptoError.lengthOutOfRange(operation: "RAND_bytes")) { try SecureRandom.bytes(count: -1) }
    }

    @Test func constantTimeEquals() {
        #expect(ConstantTime.equals([], []))
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([0, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
        let x: [UInt8] = [9, 8, 7]
        let y: [UInt8] = [9, 8, 7]
        #expect(x.withUnsafeBytes { x in y.withUnsafeBytes { y in ConstantTime.equals(x, y) } })
        #expect(!x.withUnsafeBytes { x in y.dropLast().withUnsafeBytes { y in ConstantTime.equals(x, y) } })
    }

    /// Every way Swift can render a value, for redaction checks.
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return ["\(value)", String(describing: value), String(reflecting: value), dumped]
    }

    @Test func secureBytesNeverRevealsContents() {
        let secret: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x13, 0x37]
        let bytes = SecureBytes(copying: secret)
        #expect(bytes.count == 6)
        #expect(bytes.withUnsafeBytes { Array($0) } == secret)
        #expect(bytes.description == "SecureBytes(<redacted>, 6 bytes)")
        #expect(bytes.debugDescription == "SecureBytes(<redacted>, 6 bytes)")
        for text in Self.renderings(bytes) {
            #expect(!text.lowercased().contains("deadbeef"))
            #expect(!text.contains("222"))
        }
        #expect(SecureBytes(copying: EmptyCollection<UInt8>()).count == 0)
    }

    @Test func sessionKeyNeverRevealsContents() throws {
        let key = try SessionKey.ephemeral()
        let secretHex = Self.hex(Self.keyBytes(key))
        #expect(key.description == "SessionKey(<redacted>)")
        for text in Self.renderings(key) + Self.renderings([key]) {
            #expect(!text.contains(secretHex))
            #expect(!text.contains(String(secretHex.prefix(8))))
        }
    }

    @Test func ephemeralKeysAreFreshAndFullLength() throws {
        let a = Self.keyBytes(try SessionKey.ephemeral())
        let b = Self.keyBytes(try SessionKey.ephemeral())
        #expect(a.count == 32 && b.count == 32)
        #expect(!ConstantTime.equals(a, b))
    }
}
