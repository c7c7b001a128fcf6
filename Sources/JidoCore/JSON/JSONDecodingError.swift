/// Why a byte sequence is not a JSON document the decoder accepts.
///
/// `offset` is the zero-based byte offset where the problem was found.
package struct JSONDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        /// A byte that cannot stand where it stands (the byte is given).
        case unexpectedByte(UInt8)
        /// The input ended inside a value.
        case unexpectedEnd
        /// A UTF-8 byte order mark at the start (JidoCode rejects it).
        case byteOrderMark
        /// A string holds bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// A `\u` escape names half of a surrogate pair without the other half.
        case loneSurrogate
        /// A backslash followed by something that is not a JSON escape.
        case invalidEscape
        /// A number whose value is outside the double range (for example `1e309`).
        case numberOutOfRange
        /// Bytes after the top-level value.
        case trailingData
        /// Containers nested deeper than the configured limit.
        case depthLimitExceeded(limit: Int)
        /// The input is larger than the configured limit (checked before parsing).
        case inputTooLarge(limit: Int)
        /// One string is longer, in bytes after unescaping, than the configured limit.
        case stringTooLong(limit: Int)
        /// One number token is longer than the configured limit.
        case numberTooLong(limit: Int)
    }

    package let kind: Kind
    package let offset: Int

    package init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    package var description: String {
        switch kind {
        case let .unexpectedByte(byte):
            let hex = String(byte, radix: 16, uppercase: true)
            return "unexpected byte 0x\(hex.count < 2 ? "0" + hex : hex) at offset \(offset)"
        case .unexpectedEnd: return "unexpected end of input at offset \(offset)"
        case .byteOrderMark: return "byte order mark at offset 0 (not allowed)"
        case .invalidUTF8: return "invalid UTF-8 in a string at offset \(offset)"
        case .loneSurrogate: return "lone UTF-16 surrogate escape at offset \(offset)"
        case .invalidEscape: return "invalid escape sequence at offset \(offset)"
        case .numberOutOfRange: return "number out of the double range at offset \(offset)"
        case .trailingData: return "data after the JSON value at offset \(offset)"
        case let .depthLimitExceeded(limit): return "nesting deeper than \(limit) at offset \(offset)"
        case let .inputTooLarge(limit): return "input larger than \(limit) bytes"
        case let .stringTooLong(limit): return "string longer than \(limit) bytes at offset \(offset)"
        case let .numberTooLong(limit): return "number longer than \(limit) characters at offset \(offset)"
        }
    }
}
