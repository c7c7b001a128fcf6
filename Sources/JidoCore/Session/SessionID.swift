/// A session id: a lower-case UUID version 4, exactly as JidoCode generates and accepts them.
///
/// Validated before any path is built from it, so `../x`, an empty string, upper case or another
/// UUID version can never reach a file name.
public struct SessionID: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// nil unless `text` matches `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (i, b) in bytes.enumerated() {
            switch i {
            case 8, 13, 18, 23: guard b == UInt8(ascii: "-") else { return nil }
            case 14: guard b == UInt8(ascii: "4") else { return nil }
            case 19: guard [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(b) else { return nil }
            default: guard Hex.isLowercaseDigit(b) else { return nil }
            }
        }
        rawValue = text
    }

    /// A fresh random id.
    public static func random() throws(CryptoError) -> SessionID {
        var bytes = try CryptoError.typed { try SecureRandom.bytes(count: 16) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.lowercase(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        guard let id = SessionID(parts.joined(separator: "-")) else { throw .randomUnavailable }
        return id
    }

    public var description: String { rawValue }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.rawValue < b.rawValue }
}
