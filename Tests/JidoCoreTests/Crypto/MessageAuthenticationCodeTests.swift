import JidoCore
import Testing

@Suite struct MessageAuthenticationCodeTests {
    @Test func onlyThirtyTwoBytesOrTheirCanonicalBase64MakeATag() {
        #expect(MessageAuthenticationCode(bytes: [UInt8](repeating: 7, count: 32)) != nil)
        #expect(MessageAuthenticationCode(bytes: [UInt8](repeating: 7, count: 31)) == nil)
        #expect(MessageAuthenticationCode(bytes: [UInt8](repeating: 7, count: 33)) == nil)
        let tag = MessageAuthenticationCode(bytes: Array(0 ..< 32))
        #expect(tag?.base64 == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
        #expect(MessageAuthenticationCode(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") == tag)
        // Unused low bits set: another text for the same bytes is not a signature JidoCode writes.
        #expect(MessageAuthenticationCode(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=") == nil)
        #expect(MessageAuthenticationCode(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8") == nil)
        #expect(MessageAuthenticationCode(base64: "AAAA") == nil)
    }

    @Test func equalityComparesEveryByte() throws {
        let base = [UInt8](repeating: 0x5A, count: 32)
        let tag = try #require(MessageAuthenticationCode(bytes: base))
        #expect(tag == MessageAuthenticationCode(bytes: base))
        for index in [0, 15, 31] {
            var other = base
            other[index] ^= 0x01
            #expect(tag != MessageAuthenticationCode(bytes: other), "byte \(index)")
        }
    }

    @Test func aKeySignsWhatVerificationAccepts() throws {
        let key = try SessionKey.ephemeral()
        let body = Array("{\n  \"id\": \"x\"\n}".utf8)
        let tag = try key.authenticationCode(for: body)
        #expect(try key.authenticationCode(for: body) == tag)
        #expect(try key.authenticationCode(for: body + [0x20]) != tag)
        #expect(try SessionKey.ephemeral().authenticationCode(for: body) != tag)
        let file = Array("{\n  \"id\": \"x\",\n  \"signature\": \"\(tag.base64)\"\n}".utf8)
        #expect(SessionSignature.verify(fileBytes: file, key: key).verdict == .valid)
    }
}
