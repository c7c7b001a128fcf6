import Glibc

/// A JSON value as JidoCode's JSON library (Jason) sees it.
///
/// Integers keep every digit (`JSONInteger`), floats are IEEE doubles, strings keep their exact
/// UTF-8 bytes, and objects keep their members in the order the decoder saw them (first of a
/// duplicated key only). Equality compares strings and keys byte for byte, as Erlang does, never by
/// Unicode canonical equivalence: `"é"` (U+00E9) and `"e\u{301}"` are different keys here and there.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(JSONInteger)
    case float(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An integer of any size, held as its decimal digits.
///
/// Normalized: no leading zeros, and zero is never negative (`-0` decodes to `0`, as in Erlang).
public struct JSONInteger: Sendable, Hashable, CustomStringConvertible {
    /// True for values below zero.
    public let isNegative: Bool
    /// The decimal digits of the magnitude, without leading zeros (`"0"` for zero).
    public let magnitude: String

    /// Builds an integer from its sign and ASCII digits; nil unless `digits` is 1+ ASCII digits.
    public init?(isNegative: Bool, digits: some StringProtocol) {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        let trimmed = digits.drop(while: { $0 == "0" })
        self.magnitude = trimmed.isEmpty ? "0" : String(trimmed)
        self.isNegative = isNegative && !trimmed.isEmpty
    }

    public init(_ value: Int) {
        self.isNegative = value < 0
        self.magnitude = String(value.magnitude)
    }

    /// The value as an `Int`, or nil when it does not fit.
    public var intValue: Int? { Int(description) }

    /// The canonical decimal text: an optional `-` and the digits.
    public var description: String { isNegative ? "-" + magnitude : magnitude }
}

/// One member of a JSON object.
public struct JSONMember: Sendable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object: members in insertion order, keys unique by their UTF-8 bytes.
public struct JSONObject: Sendable {
    /// The members in the order they were decoded or inserted.
    public private(set) var members: [JSONMember]

    public init() { members = [] }

    /// Builds an object from pairs; for a key given twice the FIRST value wins, as in JidoCode.
    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        var seen = Set<UTF8Key>(minimumCapacity: pairs.count)
        for (key, value) in pairs where seen.insert(UTF8Key(string: key)).inserted {
            members.append(JSONMember(key: key, value: value))
        }
    }

    /// Members are trusted to be unique; only the decoder builds objects this way.
    init(uniqueMembers: [JSONMember]) { members = uniqueMembers }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`, compared byte for byte; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get { index(of: key).map { members[$0].value } }
        set {
            switch (index(of: key), newValue) {
            case let (i?, value?): members[i].value = value
            case let (i?, nil): members.remove(at: i)
            case let (nil, value?): members.append(JSONMember(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Mutates the value of `key` in place (no copy of a large array or object); false if absent.
    @discardableResult
    public mutating func modifyValue(forKey key: String, _ body: (inout JSONValue) -> Void) -> Bool {
        guard let i = index(of: key) else { return false }
        var value = members[i].value
        members[i].value = .null // Drop the stored reference so `value` is uniquely owned.
        body(&value)
        members[i].value = value
        return true
    }

    private func index(of key: String) -> Int? {
        members.firstIndex { $0.key.hasSameUTF8(as: key) }
    }
}

extension JSONValue: Equatable {
    /// Structural equality with byte-exact strings; floats compare by bit pattern so that
    /// `-0.0 != 0.0` (they encode differently) and a value always equals itself. Iterative (any
    /// depth is safe), linear in the size of the values, and O(1) for parts that share storage.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        if lhs.sharesStorage(with: rhs) { return true } // Without allocating the stack below.
        var pending: [(JSONValue, JSONValue)] = [(lhs, rhs)]
        while let (a, b) = pending.popLast() {
            switch (a, b) {
            case (.null, .null): continue
            case let (.bool(x), .bool(y)): guard x == y else { return false }
            case let (.integer(x), .integer(y)): guard x == y else { return false }
            case let (.float(x), .float(y)): guard x.bitPattern == y.bitPattern else { return false }
            case let (.string(x), .string(y)): guard x.hasSameUTF8(as: y) else { return false }
            case let (.array(x), .array(y)):
                guard x.count == y.count else { return false }
                if !x.sharesStorage(with: y) { pending.append(contentsOf: zip(x, y)) }
            case let (.object(x), .object(y)):
                guard let pairs = x.valuePairs(with: y) else { return false }
                pending.append(contentsOf: pairs)
            default: return false
            }
        }
        return true
    }
}

extension JSONObject: Equatable {
    /// Equal when both hold the same keys (byte-exact) with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        JSONValue.object(lhs) == JSONValue.object(rhs)
    }

    /// The values of `self` and `other` paired by key, or nil when the key sets differ. Empty when
    /// both share storage (equal without looking further).
    fileprivate func valuePairs(with other: JSONObject) -> [(JSONValue, JSONValue)]? {
        guard count == other.count else { return nil }
        if members.sharesStorage(with: other.members) { return [] }
        // Usually the keys are in the same order.
        if zip(members, other.members).allSatisfy({ $0.key.hasSameUTF8(as: $1.key) }) {
            return zip(members, other.members).map { ($0.value, $1.value) }
        }
        var index = [UTF8Key: Int](minimumCapacity: other.count)
        for (i, member) in other.members.enumerated() { index[UTF8Key(string: member.key)] = i }
        var pairs: [(JSONValue, JSONValue)] = []
        pairs.reserveCapacity(count)
        for member in members {
            guard let i = index[UTF8Key(string: member.key)] else { return nil }
            pairs.append((member.value, other.members[i].value))
        }
        return pairs
    }
}

extension JSONValue {
    /// True when both are arrays or objects held in the same storage: then they are equal, without
    /// comparing anything (a shared buffer cannot differ). False for every other pair, equal or not.
    func sharesStorage(with other: JSONValue) -> Bool {
        switch (self, other) {
        case let (.array(x), .array(y)): x.sharesStorage(with: y)
        case let (.object(x), .object(y)): x.members.sharesStorage(with: y.members)
        default: false
        }
    }
}

extension Array {
    /// True when both arrays are the same storage (so, equal), without comparing elements.
    fileprivate func sharesStorage(with other: [Element]) -> Bool {
        count == other.count && withUnsafeBufferPointer { a in other.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }
}

extension JSONValue {
    /// Appends to an array value in place; does nothing to other values.
    public mutating func appendElement(_ element: JSONValue) {
        guard case var .array(elements) = self else { return }
        self = .null
        elements.append(element)
        self = .array(elements)
    }

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var objectValue: JSONObject? { if case let .object(o) = self { o } else { nil } }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
    public var integerValue: JSONInteger? { if case let .integer(i) = self { i } else { nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { b } else { nil } }
}

/// A string key compared and hashed by its UTF-8 bytes (never by canonical equivalence).
struct UTF8Key: Hashable {
    let string: String

    static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool { lhs.string.hasSameUTF8(as: rhs.string) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// True when both strings have the same UTF-8 bytes (never Unicode canonical equivalence, which
    /// `==` uses); O(1) when they share storage, `memcmp` otherwise.
    @inline(__always)
    func hasSameUTF8(as other: String) -> Bool {
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                guard let xb = x.baseAddress, let yb = y.baseAddress, xb != yb else { return true }
                return memcmp(xb, yb, x.count) == 0
            }
        }
    }
}
