/// An HMAC-SHA256 tag: exactly 32 bytes. `==` is constant time (OpenSSL's `CRYPTO_memcmp`), so
/// comparing a computed tag with a received one does not reveal, through its timing, how many
/// leading bytes matched. Not `Hashable`: a hash of a tag would be compared in variable time.
public struct MessageAuthenticationCode: Sendable, Equatable, CustomStringConvertible {
    /// The length of an HMAC-SHA256 tag.
    public static let byteCount = 32

    /// The tag's 32 bytes.
    public let bytes: [UInt8]

    /// The tag whose bytes are `bytes`; nil unless there are exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// The tag that `base64` encodes, as a session file's `signature` carries it; nil unless it is
    /// exactly the canonical padded base64 (RFC 4648) of 32 bytes.
    public init?(base64: some StringProtocol) {
        guard let bytes = Base64.decodeStrict(base64.utf8) else { return nil }
        self.init(bytes: bytes)
    }

    /// The padded base64 of the tag: a session file's `signature` value.
    public var base64: String { Base64.encode(bytes) }

    public var description: String { base64 }

    /// Constant-time equality (the length is public and always 32).
    public static func == (a: MessageAuthenticationCode, b: MessageAuthenticationCode) -> Bool {
        ConstantTime.equals(a.bytes, b.bytes)
    }
}
