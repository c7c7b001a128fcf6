/// Resource limits for decoding untrusted JSON. Every limit fails with a typed error, never a crash.
public struct JSONLimits: Sendable, Equatable {
    /// Deepest nesting of non-empty arrays and objects (a top-level `[1]` is depth 1; an empty `[]`
    /// or `{}` adds no level, as it holds nothing to descend into).
    public var maxDepth: Int
    /// Largest input accepted, checked before the first byte is parsed.
    public var maxInputBytes: Int
    /// Longest single string, in bytes after unescaping.
    public var maxStringBytes: Int
    /// Longest single number token, in characters.
    public var maxNumberLength: Int

    public init(maxDepth: Int = 512, maxInputBytes: Int = 10 << 20, maxStringBytes: Int = 10 << 20,
                maxNumberLength: Int = 1024) {
        self.maxDepth = maxDepth
        self.maxInputBytes = maxInputBytes
        self.maxStringBytes = maxStringBytes
        self.maxNumberLength = maxNumberLength
    }

    /// Depth 512, input and strings 10 MiB, numbers 1024 characters.
    public static let `default` = JSONLimits()
}

/// A decoded document and the duplicated keys the decoder dropped.
package struct JSONDocument: Sendable {
    /// The value, with the FIRST occurrence of every duplicated key kept (JidoCode's semantics).
    public let value: JSONValue
    /// Every key that occurred more than once in its object, once per extra occurrence, in document
    /// order: counted, and the first `JSONPointer.maxReportedKeys` named by JSON Pointer (RFC 6901).
    /// Other parsers may read the later value: a file that verifies can still mean something else
    /// elsewhere.
    public let duplicates: ReportedKeys

    /// The pointers of the first duplicated keys (`duplicates.pointers`).
    public var duplicateKeys: [String] { duplicates.pointers }
}

/// A strict JSON decoder with JidoCode's semantics and explicit limits.
///
/// Accepts exactly RFC 8259 JSON as Jason 1.4 does: rejects invalid UTF-8, lone surrogate escapes,
/// a byte order mark, trailing data and numbers outside the double range; keeps the first of a
/// duplicated key and reports the rest. Iterative (no recursion), so nesting never touches the
/// stack; depth, input, string and number sizes are bounded by `limits`.
package struct StrictJSONDecoder: Sendable {
    public var limits: JSONLimits

    public init(limits: JSONLimits = .default) { self.limits = limits }

    public func decode(_ bytes: [UInt8]) throws(JSONDecodingError) -> JSONDocument {
        try bytes.withUnsafeBytes { buffer in Result { () throws(JSONDecodingError) in try decode(buffer) } }.get()
    }

    public func decode(_ buffer: UnsafeRawBufferPointer) throws(JSONDecodingError) -> JSONDocument {
        guard buffer.count <= limits.maxInputBytes else {
            throw JSONDecodingError(.inputTooLarge(limit: limits.maxInputBytes), at: 0)
        }
        var parser = JSONParser(buffer, limits: limits)
        let value = try parser.parseDocument()
        return JSONDocument(value: value, duplicates: parser.duplicates)
    }
}

/// The parser state; one instance per document.
struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private let limits: JSONLimits
    private var pos = 0
    private var stack: [Frame] = []
    private(set) var duplicates = ReportedKeys()

    /// An open container. `token` is the reference token that leads to it from its parent (escaped
    /// only when a pointer is built).
    private struct Frame {
        var isObject: Bool
        var token: String
        var elements: [JSONValue] = []
        var members: [JSONMember] = []
        var seen: Set<UTF8Key> = []
        var pendingKey = ""
        var pendingIsDuplicate = false

        /// Objects with fewer members than this check duplicates by a linear scan.
        private static let linearScanLimit = 8

        /// Whether `key` is already a member. Mutating on the frame itself: the set is updated in
        /// place (a helper reading the parser while the frame is borrowed from `stack` made Swift
        /// copy the set on every insert, quadratic in the number of members).
        mutating func isDuplicate(_ key: String) -> Bool {
            if members.count < Self.linearScanLimit {
                return members.contains { $0.key.utf8.elementsEqual(key.utf8) }
            }
            if seen.isEmpty {
                seen.reserveCapacity(members.count * 2)
                for member in members { seen.insert(UTF8Key(string: member.key)) }
            }
            return !seen.insert(UTF8Key(string: key)).inserted
        }
    }

    init(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func parseDocument() throws(JSONDecodingError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw JSONDecodingError(.byteOrderMark, at: 0)
        }
        let value = try parseValueTree()
        skipWhitespace()
        if pos < bytes.count { throw JSONDecodingError(.trailingData, at: pos) }
        return value
    }

    // MARK: - Structure

    private mutating func parseValueTree() throws(JSONDecodingError) -> JSONValue {
        while true {
            skipWhitespace()
            var value: JSONValue
            let b = try peek()
            switch b {
            case ASCII.openBrace, ASCII.openBracket:
                let isObject = b == ASCII.openBrace
                pos += 1
                skipWhitespace()
                if try peek() == (isObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    pos += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else {
                    try push(isObject: isObject)
                    if isObject { try parseKeyAndColon() }
                    continue
                }
            case ASCII.quote:
                value = .string(try parseString())
            case ASCII.minus, ASCII.zero...ASCII.nine:
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw JSONDecodingError(.unexpectedByte(b), at: pos)
            }

            // Attach the finished value to open containers, closing those that end here.
            while true {
                guard !stack.isEmpty else { return value }
                let top = stack.count - 1
                if stack[top].isObject {
                    if stack[top].pendingIsDuplicate {
                        stack[top].pendingIsDuplicate = false
                    } else {
                        stack[top].members.append(JSONMember(key: stack[top].pendingKey, value: value))
                    }
                } else {
                    stack[top].elements.append(value)
                }
                skipWhitespace()
                let next = try peek()
                if next == ASCII.comma {
                    pos += 1
                    if stack[top].isObject { try parseKeyAndColon() }
                    break
                }
                guard next == (stack[top].isObject ? ASCII.closeBrace : ASCII.closeBracket) else {
                    throw JSONDecodingError(.unexpectedByte(next), at: pos)
                }
                pos += 1
                let frame = stack.removeLast()
                value = frame.isObject ? .object(JSONObject(uniqueMembers: frame.members)) : .array(frame.elements)
            }
        }
    }

    private mutating func push(isObject: Bool) throws(JSONDecodingError) {
        guard stack.count < limits.maxDepth else {
            throw JSONDecodingError(.depthLimitExceeded(limit: limits.maxDepth), at: pos - 1)
        }
        var token = ""
        if let parent = stack.last {
            token = parent.isObject ? parent.pendingKey : String(parent.elements.count)
        }
        stack.append(Frame(isObject: isObject, token: token))
    }

    /// Parses `"key" :` inside the innermost object and records whether the key is a duplicate.
    private mutating func parseKeyAndColon() throws(JSONDecodingError) {
        skipWhitespace()
        let b = try peek()
        guard b == ASCII.quote else { throw JSONDecodingError(.unexpectedByte(b), at: pos) }
        let key = try parseString()
        skipWhitespace()
        let colon = try peek()
        guard colon == ASCII.colon else { throw JSONDecodingError(.unexpectedByte(colon), at: pos) }
        pos += 1
        let top = stack.count - 1
        let duplicate = stack[top].isDuplicate(key)
        stack[top].pendingKey = key
        stack[top].pendingIsDuplicate = duplicate
        if duplicate {
            duplicates.add { JSONPointer.reported(stack.dropFirst().map(\.token) + [key]) }
        }
    }

    // MARK: - Scalars

    @inline(__always)
    private func peek() throws(JSONDecodingError) -> UInt8 {
        guard pos < bytes.count else { throw JSONDecodingError(.unexpectedEnd, at: pos) }
        return bytes[pos]
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < bytes.count, ASCII.isWhitespace(bytes[pos]) { pos += 1 }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONDecodingError) {
        let start = pos
        let n = literal.utf8CodeUnitCount
        let lit = UnsafeRawBufferPointer(start: literal.utf8Start, count: n)
        // Like Jason, a wrong or truncated literal is an unexpected byte at its start.
        for i in 0..<n where pos + i >= bytes.count || bytes[pos + i] != lit[i] {
            throw JSONDecodingError(.unexpectedByte(bytes[start]), at: start)
        }
        pos += n
    }

    /// Parses a string starting at its opening quote; returns its exact UTF-8 content.
    private mutating func parseString() throws(JSONDecodingError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes, validate in place and copy once.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == ASCII.quote {
                let length = pos - start
                guard length <= limits.maxStringBytes else {
                    throw JSONDecodingError(.stringTooLong(limit: limits.maxStringBytes), at: start)
                }
                pos += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), as: UTF8.self)
            }
            if b == ASCII.backslash { break }
            if b < 0x20 { throw JSONDecodingError(.unexpectedByte(b), at: pos) }
            if b < 0x80 {
                pos += 1
            } else {
                guard let n = UTF8Validation.multiByteSequenceLength(bytes, at: pos) else {
                    throw JSONDecodingError(.invalidUTF8, at: pos)
                }
                pos += n
            }
        }
        guard pos < bytes.count else { throw JSONDecodingError(.unexpectedEnd, at: pos) }
        // Slow path: unescape into a buffer.
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<pos]))
        while true {
            guard out.count <= limits.maxStringBytes else {
                throw JSONDecodingError(.stringTooLong(limit: limits.maxStringBytes), at: start)
            }
            let b = try peek()
            switch b {
            case ASCII.quote:
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case ASCII.backslash:
                try parseEscape(into: &out)
            case 0..<0x20:
                throw JSONDecodingError(.unexpectedByte(b), at: pos)
            case 0x20..<0x80:
                out.append(b)
                pos += 1
            default:
                guard let n = UTF8Validation.multiByteSequenceLength(bytes, at: pos) else {
                    throw JSONDecodingError(.invalidUTF8, at: pos)
                }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)]))
                pos += n
            }
        }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(JSONDecodingError) {
        let escapeStart = pos
        pos += 1
        let e = try peek()
        pos += 1
        if let control = ASCII.controlEscape(e) {
            out.append(control)
            return
        }
        switch e {
        case ASCII.quote, ASCII.backslash, ASCII.slash: out.append(e)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            switch unit {
            case 0xD800...0xDBFF:
                guard pos + 1 < bytes.count, bytes[pos] == ASCII.backslash, bytes[pos + 1] == UInt8(ascii: "u") else {
                    if pos >= bytes.count { throw JSONDecodingError(.unexpectedEnd, at: pos) }
                    throw JSONDecodingError(.loneSurrogate, at: escapeStart)
                }
                pos += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONDecodingError(.loneSurrogate, at: escapeStart) }
                UTF8Validation.append(scalar: 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), to: &out)
            case 0xDC00...0xDFFF:
                throw JSONDecodingError(.loneSurrogate, at: escapeStart)
            default:
                UTF8Validation.append(scalar: unit, to: &out)
            }
        default:
            throw JSONDecodingError(.invalidEscape, at: escapeStart)
        }
    }

    private mutating func parseHex4() throws(JSONDecodingError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = try peek()
            guard let digit = ASCII.hexValue(b) else { throw JSONDecodingError(.invalidEscape, at: pos) }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONDecodingError) -> JSONValue {
        let start = pos
        let negative = bytes[pos] == ASCII.minus
        if negative { pos += 1 }
        let intStart = pos
        let first = try peek()
        if first == ASCII.zero {
            pos += 1
        } else if ASCII.isDigit(first) {
            consumeDigits()
        } else {
            throw JSONDecodingError(.unexpectedByte(first), at: pos)
        }
        let intEnd = pos
        var isFloat = false
        var hasFraction = false
        if pos < bytes.count, bytes[pos] == ASCII.dot {
            isFloat = true
            hasFraction = true
            pos += 1
            try requireDigit()
            consumeDigits()
        }
        if pos < bytes.count, bytes[pos] == ASCII.lowerE || bytes[pos] == ASCII.upperE {
            isFloat = true
            pos += 1
            if pos < bytes.count, bytes[pos] == ASCII.plus || bytes[pos] == ASCII.minus { pos += 1 }
            try requireDigit()
            consumeDigits()
        }
        // A digit straight after a leading zero ("01") is not part of any number.
        if !isFloat, first == ASCII.zero, pos < bytes.count, ASCII.isDigit(bytes[pos]) {
            throw JSONDecodingError(.unexpectedByte(bytes[pos]), at: pos)
        }
        guard pos - start <= limits.maxNumberLength else {
            throw JSONDecodingError(.numberTooLong(limit: limits.maxNumberLength), at: start)
        }
        let token = UnsafeRawBufferPointer(rebasing: bytes[start..<pos])
        if !isFloat {
            let digits = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[intStart..<intEnd]), as: UTF8.self)
            guard let integer = JSONInteger(isNegative: negative, digits: digits) else {
                throw JSONDecodingError(.unexpectedByte(bytes[start]), at: start)
            }
            return .integer(integer)
        }
        guard let value = Double(String(decoding: token, as: UTF8.self)), value.isFinite else {
            throw JSONDecodingError(.numberOutOfRange, at: start)
        }
        // Jason parses `-0e5` (a minus, a bare zero, an exponent) as the text "0.0e5": its
        // `number_zero` clause rebuilds the token from the literal "0" and drops the sign, so the
        // value is +0.0, not -0.0. With a fraction (`-0.0e5`) the sign is kept.
        if negative, first == ASCII.zero, !hasFraction { return .float(0.0) }
        return .float(value)
    }

    @inline(__always)
    private mutating func consumeDigits() {
        while pos < bytes.count, ASCII.isDigit(bytes[pos]) { pos += 1 }
    }

    @inline(__always)
    private func requireDigit() throws(JSONDecodingError) {
        let b = try peek()
        guard ASCII.isDigit(b) else { throw JSONDecodingError(.unexpectedByte(b), at: pos) }
    }
}
