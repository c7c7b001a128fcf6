import JidoTestSupport
import Testing
@testable import JidoCore

extension CryptoTests {
    @Suite struct Base64Strict {
        /// RFC 4648 §10.
        static let rfc4648: [(String, String)] = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]

        @Test func rfc4648Vectors() {
            for (plain, encoded) in Self.rfc4648 {
                #expect(Base64.encode(Array(plain.utf8)) == encoded)
                #expect(Base64.encode(plain.utf8) == encoded)
                #expect(Base64.decodeStrict(encoded.utf8) == Array(plain.utf8))
                #expect(Base64.decodeStrict(Array(encoded.utf8)) == Array(plain.utf8))
            }
        }

        @Test func fullAlphabetAndRoundTrips() throws {
            let all = [UInt8](0 ... 255)
            let encoded = Base64.encode(all)
            #expect(encoded.hasPrefix("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"))
            #expect(encoded.hasSuffix("+fr7/P3+/w=="))
            #expect(Base64.decodeStrict(encoded.utf8) == all)
            for length in 0 ... 70 {
                let bytes = try SecureRandom.bytes(count: length)
                let text = Base64.encode(bytes)
                #expect(text.utf8.count == (length + 2) / 3 * 4)
                #expect(Base64.decodeStrict(text.utf8) == bytes)
            }
        }

        @Test(arguments: [
            "Zg", "Zg=", "Zm8", "Zh==", "Zm9=", "Zg=a", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm8=Zm9v",
            "Zm9v\n", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\r\n", "Zm9\tv",
            "-_8=", "Zm9-", "Zm9_", "Zm9v.", String(repeating: "A", count: 45), "QUJDRA==\u{7F}",
        ])
        func rejectsNonCanonical(_ text: String) {
            #expect(Base64.decodeStrict(text.utf8) == nil)
        }

        @Test func rejectsNonASCII() {
            #expect(Base64.decodeStrict([0x5A, 0x6D, 0x39, 0xF6]) == nil)
            #expect(Base64.decodeStrict("Zm9vYmFyé=".utf8) == nil)
        }

        /// Exhaustive over every final quantum: a text is accepted iff it is the encoding of what it decodes to.
        @Test func acceptsExactlyTheCanonicalFinalQuanta() {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            let pad = UInt8(ascii: "=")
            var oneByte = 0
            var twoBytes = 0
            for a in alphabet {
                for b in alphabet {
                    let padded2 = [a, b, pad, pad]
                    if let bytes = Base64.decodeStrict(padded2) {
                        oneByte += 1
                        #expect(Array(Base64.encode(bytes).utf8) == padded2)
                    }
                    for c in alphabet {
                        let padded1 = [a, b, c, pad]
                        if let bytes = Base64.decodeStrict(padded1) {
                            twoBytes += 1
                            #expect(Array(Base64.encode(bytes).utf8) == padded1)
                        }
                    }
                }
            }
            #expect(oneByte == 256)
            #expect(twoBytes == 65536)
        }
    }
}
