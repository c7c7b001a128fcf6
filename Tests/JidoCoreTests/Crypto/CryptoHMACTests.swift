import JidoTestSupport
import Testing
@testable import JidoCore

extension CryptoTests {
    /// RFC 4231 §4 (case 5 is truncated output, not applicable).
    @Suite struct HMAC {
        struct Vector: Sendable, CustomTestStringConvertible {
            let name: String
            let key: [UInt8]
            let data: [UInt8]
            let mac: String
            var testDescription: String { name }
        }

        static let rfc4231: [Vector] = [
            Vector(name: "case 1", key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
                   mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            Vector(name: "case 2", key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
                   mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            Vector(name: "case 3", key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
                   mac: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            Vector(name: "case 4", key: Array(1 ... 25), data: [UInt8](repeating: 0xcd, count: 50),
                   mac: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            Vector(name: "case 6", key: [UInt8](repeating: 0xaa, count: 131),
                   data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                   mac: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            Vector(name: "case 7", key: [UInt8](repeating: 0xaa, count: 131),
                   data: Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                       + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
                   mac: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]

        @Test(arguments: rfc4231)
        func wholeMessage(_ vector: Vector) throws {
            let key = try SessionKey(material: SecureBytes(copying: vector.key))
            #expect(CryptoTests.hex(try HMACSHA256.authenticationCode(for: vector.data, key: key)) == vector.mac)
            let raw = try vector.data.withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }
            #expect(CryptoTests.hex(raw) == vector.mac)
            var mac = try HMACSHA256(key: key)
            try mac.update(vector.data)
            #expect(CryptoTests.hex(try mac.finalize()) == vector.mac)
        }

        @Test(arguments: rfc4231)
        func splitInTwo(_ vector: Vector) throws {
            let key = try SessionKey(material: SecureBytes(copying: vector.key))
            for split in 0 ... vector.data.count {
                var mac = try HMACSHA256(key: key)
                try vector.data[..<split].withUnsafeBytes { try mac.update($0) }
                try mac.update(vector.data[split...])
                #expect(CryptoTests.hex(try mac.finalize()) == vector.mac, "split at \(split)")
            }
        }

        @Test func copiesContinueIndependentlyAndFinalizeIsFinal() throws {
            let vector = Self.rfc4231[1]
            let key = try SessionKey(material: SecureBytes(copying: vector.key))
            var original = try HMACSHA256(key: key)
            try original.update(vector.data.prefix(10))
            var copy = original
            try copy.update([0x00])
            try original.update(vector.data.dropFirst(10))
            #expect(CryptoTests.hex(try original.finalize()) == vector.mac)
            #expect(try copy.finalize() == HMACSHA256.authenticationCode(for: vector.data.prefix(10) + [0x00], key: key))
            #expect(throws: CryptoError.contextFinalized) { try original.finalize() }
            #expect(throws: CryptoError.contextFinalized) { try original.update([1]) }
        }

        @Test func sessionKeySignsWithAllItsBytes() throws {
            let key = try SessionKey.ephemeral()
            let message = Array("session".utf8)
            let expected = try HMACSHA256.authenticationCode(
                for: message, key: SessionKey(material: SecureBytes(copying: CryptoTests.keyBytes(key))))
            #expect(try HMACSHA256.authenticationCode(for: message, key: key) == expected)
            #expect(try HMACSHA256.authenticationCode(for: message, key: SessionKey.ephemeral()) != expected)
        }
    }
}
