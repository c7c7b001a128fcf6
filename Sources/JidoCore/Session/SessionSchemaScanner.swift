internal import Glibc

/// JidoCode's session schema checked during the canonical scan, without building the document.
///
/// `SessionSchemaObserver` follows `CanonicalLayout.scan` (so the bytes are also proven canonical:
/// valid JSON, no duplicate keys) and answers what `Session(document:)` would when every rule
/// holds: the id and `closed_at`. Any failed rule or anything unusual (an escaped value where a raw
/// one is compared, an escaped `closed_at`) gives nil; callers then take the exact path (decode,
/// then `Session(document:)`) for the precise error. Keys are compared as raw bytes, no hashing.
package enum SessionSchemaScanner {
    package struct Facts: Sendable, Equatable {
        package let id: SessionID
        package let closedAt: String?
        /// Some key has a non-ASCII byte: only then can keys be ambiguous (`KeyAmbiguity`).
        package var hasNonASCIIKeys = false
    }

    /// The facts of canonical session bytes, or nil (not canonical, or the exact path must decide).
    package static func scan(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) -> Facts? {
        var observer = SessionSchemaObserver()
        guard CanonicalLayout.scan(bytes, limits: limits, observer: &observer) != nil else { return nil }
        return observer.facts
    }

    package static func scan(_ bytes: [UInt8]) -> Facts? { bytes.withUnsafeBytes { scan($0) } }
}

/// The state machine behind `SessionSchemaScanner`: it walks `SessionSchema.fields` (compiled,
/// `CompiledSessionSchema`) as the scan reports keys, containers and scalars; see
/// `CanonicalScanObserver` for the depths. Top-level members are at depth 1, the elements of a
/// top-level array at depth 2, the members of a record (an element of a `.records` array) at depth 3.
struct SessionSchemaObserver: CanonicalScanObserver {
    static var isActive: Bool { true }

    private let plan = CompiledSessionSchema.shared
    private var failed = false
    /// The top-level value closed: the observer saw the whole document. A scan that stopped at a
    /// limit part way through (the slow path may still find the file canonical) has no facts.
    private var complete = false
    private var hasNonASCIIKeys = false
    /// The table's top-level fields met (bit i: `SessionSchema.fields[i]`).
    private var fieldsSeen: UInt64 = 0
    private var id: SessionID?
    private var closedAt: String?
    /// The table's index of the top-level member being read; -1 for a key the table does not name.
    private var field = -1
    /// Reading a record (an object at depth 2 in a `.records` member).
    private var inRecord = false
    /// The index in `plan.members` of the record member being read; -1 for a key the table does not name.
    private var member = -1
    /// The record's members whose value passed its rule (bit i: the record's i-th member).
    private var membersPassed: UInt64 = 0

    var facts: SessionSchemaScanner.Facts? {
        guard !failed, complete, fieldsSeen & plan.requiredFields == plan.requiredFields, let id else { return nil }
        return SessionSchemaScanner.Facts(id: id, closedAt: closedAt, hasNonASCIIKeys: hasNonASCIIKeys)
    }

    mutating func key(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) {
        let recognized = recognize(raw, escaped: escaped, depth: depth)
        // A key the table names is ASCII; only the others need looking at.
        if !recognized && !hasNonASCIIKeys && !SWAR.isASCII(raw) { hasNonASCIIKeys = true }
    }

    /// Follows the table's keys; true when `raw` is one of the (ASCII) keys it names.
    @inline(__always)
    private mutating func recognize(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) -> Bool {
        if depth == 1 {
            guard !escaped, let index = plan.field(named: raw) else {
                field = -1
                return false
            }
            field = index
            fieldsSeen |= 1 << UInt64(index)
            return true
        } else if depth == 3, inRecord {
            guard !escaped, let index = plan.member(named: raw, of: plan.fields[field]) else {
                member = -1
                return false
            }
            member = index
            return true
        }
        return false
    }

    mutating func open(isObject: Bool, depth: Int) {
        switch depth {
        case 0:
            if !isObject { failed = true }
        case 1:
            guard field >= 0 else { return }
            let entry = plan.fields[field]
            switch entry.shape {
            case .single: if !(isObject && entry.rule.kind == .object) { failed = true }
            case .list, .records: if isObject { failed = true }
            }
        case 2:
            guard field >= 0 else { return }
            let entry = plan.fields[field]
            switch entry.shape {
            case .single: break // inside an object the table does not look into
            case .list: if !(isObject && entry.rule.kind == .object) { failed = true }
            case .records:
                guard isObject else {
                    failed = true
                    return
                }
                inRecord = true
                member = -1
                membersPassed = 0
            }
        case 3:
            guard inRecord, member >= 0 else { return }
            let rule = plan.members[member].rule
            if isObject && rule.kind == .object { pass(member) } else { failed = true }
        default:
            break
        }
    }

    mutating func close(depth: Int) {
        if depth == 1 { complete = true }
        guard depth == 3, inRecord else { return }
        let required = plan.fields[field].requiredMembers
        if membersPassed & required != required { failed = true }
        inRecord = false
    }

    mutating func scalar(_ token: UnsafeRawBufferPointer, depth: Int) {
        switch depth {
        case 0:
            failed = true
        case 1:
            guard field >= 0 else { return }
            let entry = plan.fields[field]
            guard entry.shape == .single, accepts(entry.rule, token, isTopLevel: true) else {
                failed = true
                return
            }
            if field == plan.closedAtField {
                // The fact is read from the bytes: an escaped value is left to the exact path.
                guard let raw = Self.rawString(token) else {
                    failed = true
                    return
                }
                closedAt = String(decoding: raw, as: UTF8.self)
            }
        case 2:
            guard field >= 0 else { return }
            let entry = plan.fields[field]
            switch entry.shape {
            case .single: break
            case .list: if !accepts(entry.rule, token, isTopLevel: false) { failed = true }
            case .records: failed = true
            }
        case 3:
            guard inRecord, member >= 0 else { return }
            if accepts(plan.members[member].rule, token, isTopLevel: false) { pass(member) } else { failed = true }
        default:
            break
        }
    }

    /// Marks the record member at `plan.members[index]` as passed.
    @inline(__always)
    private mutating func pass(_ index: Int) {
        membersPassed |= 1 << UInt64(index - plan.fields[field].members.lowerBound)
    }

    /// Whether the scalar `token` (strings with their quotes) follows `rule`. A top-level
    /// `.sessionID` is the session's id.
    @inline(__always)
    private mutating func accepts(_ rule: CompiledSessionSchema.Rule, _ token: UnsafeRawBufferPointer, isTopLevel: Bool) -> Bool {
        // Most values are strings: checked here, the rest out of line.
        rule.kind == .string ? token.first == ASCII.quote : acceptsOther(rule, token, isTopLevel: isTopLevel)
    }

    private mutating func acceptsOther(_ rule: CompiledSessionSchema.Rule, _ token: UnsafeRawBufferPointer, isTopLevel: Bool) -> Bool {
        switch rule.kind {
        case .string:
            return token.first == ASCII.quote
        case .object:
            return false
        case .sessionID:
            guard let raw = Self.rawString(token), let parsed = SessionID(String(decoding: raw, as: UTF8.self)) else { return false }
            if isTopLevel && id == nil { id = parsed }
            return true
        case .version:
            guard let number = Self.plainInteger(token) else { return false }
            return number >= 1 && rule.supported.contains(number)
        case .oneOf:
            guard let raw = Self.rawString(token) else { return false }
            return plan.choices(rule).contains { plan.equals($0, raw) }
        }
    }

    /// The content of a string token without escapes, else nil.
    static func rawString(_ token: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard token.count >= 2, token.first == ASCII.quote else { return nil }
        let content = UnsafeRawBufferPointer(rebasing: token.dropFirst().dropLast())
        return content.contains(ASCII.backslash) ? nil : content
    }

    /// The value of a token of 1 to 18 ASCII digits (a non-negative integer that fits), else nil.
    static func plainInteger(_ token: UnsafeRawBufferPointer) -> Int? {
        guard !token.isEmpty, token.count <= 18 else { return nil }
        var value = 0
        for byte in token {
            guard ASCII.isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - ASCII.zero)
        }
        return value
    }
}

/// `SessionSchema` in the form the observer walks, built once from the table: every key and
/// allowed string as bytes in one buffer, every rule a plain value. Nothing in it is reference
/// counted, so following the table costs no retain or release on the scan's hot path (the
/// observer runs for every key and scalar of every file audited). The buffers live as long as the
/// process (one instance, `shared`); they are never written after `init`.
struct CompiledSessionSchema: @unchecked Sendable {
    enum Kind: UInt8 { case string, object, sessionID, version, oneOf }
    enum ShapeKind: UInt8 { case single, list, records }

    /// Bytes `offset ..< offset + count` of `bytes`; `head` and `tail` are their first and last
    /// (up to) eight bytes as loaded by `equals`, so short literals compare without `memcmp`.
    struct Literal {
        var offset: Int
        var count: Int
        var head: UInt64 = 0
        var tail: UInt64 = 0
    }

    /// A `SessionSchema.Value`: for `.oneOf`, its strings are `literals[choices]`.
    struct Rule {
        var kind: Kind
        var choices: Range<Int> = 0..<0
        var supported: ClosedRange<Int> = 0...0
    }

    /// A top-level field: its rule (of the value, or of each element of a `.list`), or its
    /// record's members `members[members]` and which of them are required.
    struct Field {
        var key: Literal
        var shape: ShapeKind
        var rule: Rule
        var members: Range<Int> = 0..<0
        var requiredMembers: UInt64 = 0
    }

    struct Member {
        var key: Literal
        var rule: Rule
    }

    static let shared = CompiledSessionSchema(SessionSchema.fields)

    let bytes: UnsafeRawBufferPointer
    let literals: UnsafeBufferPointer<Literal>
    let fields: UnsafeBufferPointer<Field>
    let members: UnsafeBufferPointer<Member>
    /// Bit i: `fields[i]` is required.
    let requiredFields: UInt64
    /// The index of `closed_at`, whose value is a fact; -1 if the table has none.
    let closedAtField: Int

    /// At most 64 fields, and 64 members per record (the bit sets are `UInt64`).
    init(_ table: [SessionSchema.Field]) {
        var bytes: [UInt8] = []
        var literals: [Literal] = []
        var fields: [Field] = []
        var members: [Member] = []
        var requiredFields: UInt64 = 0
        func literal(_ text: String) -> Literal {
            let utf8 = Array(text.utf8)
            defer { bytes += utf8 }
            let (head, tail) = utf8.withUnsafeBytes { Self.words($0) }
            return Literal(offset: bytes.count, count: utf8.count, head: head, tail: tail)
        }
        func rule(_ value: SessionSchema.Value) -> Rule {
            switch value {
            case .string: return Rule(kind: .string)
            case .object: return Rule(kind: .object)
            case .sessionID: return Rule(kind: .sessionID)
            case let .version(supported): return Rule(kind: .version, supported: supported)
            case let .oneOf(allowed):
                let start = literals.count
                literals += allowed.map(literal)
                return Rule(kind: .oneOf, choices: start..<literals.count)
            }
        }
        for (index, field) in table.prefix(64).enumerated() {
            if field.isRequired { requiredFields |= 1 << UInt64(index) }
            let key = literal(field.key)
            switch field.shape {
            case let .single(value): fields.append(Field(key: key, shape: .single, rule: rule(value)))
            case let .list(value): fields.append(Field(key: key, shape: .list, rule: rule(value)))
            case let .records(recordMembers):
                let start = members.count
                var required: UInt64 = 0
                for (i, member) in recordMembers.prefix(64).enumerated() {
                    if member.isRequired { required |= 1 << UInt64(i) }
                    members.append(Member(key: literal(member.key), rule: rule(member.value)))
                }
                fields.append(Field(key: key, shape: .records, rule: Rule(kind: .object), members: start..<members.count,
                                    requiredMembers: required))
            }
        }
        self.bytes = UnsafeRawBufferPointer(Self.immortal(bytes))
        self.literals = UnsafeBufferPointer(Self.immortal(literals))
        self.fields = UnsafeBufferPointer(Self.immortal(fields))
        self.members = UnsafeBufferPointer(Self.immortal(members))
        self.requiredFields = requiredFields
        closedAtField = table.prefix(64).firstIndex { $0.key == "closed_at" } ?? -1
    }

    /// A copy of `elements` that is never freed.
    private static func immortal<T>(_ elements: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(elements.count, 1))
        _ = buffer.initialize(from: elements)
        return UnsafeMutableBufferPointer(rebasing: buffer[..<elements.count])
    }

    /// The first and last (up to) eight bytes of `raw`, loaded without reading outside it: two
    /// overlapping loads of 8 (or 4) bytes, or the bytes one by one below 4. Two byte strings of the
    /// same length up to 16 are equal exactly when their words are.
    @inline(__always)
    static func words(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = raw.count
        if n >= 8 { return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        if n >= 4 { return (UInt64(raw.loadUnaligned(as: UInt32.self)), UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))) }
        var word: UInt64 = 0
        for byte in raw { word = word << 8 | UInt64(byte) }
        return (word, 0)
    }

    /// Byte equality of a literal and `raw`: by words up to 16 bytes, else `memcmp`.
    @inline(__always)
    func equals(_ literal: Literal, _ raw: UnsafeRawBufferPointer) -> Bool {
        guard literal.count == raw.count else { return false }
        if literal.count <= 16 {
            let (head, tail) = Self.words(raw)
            return head == literal.head && tail == literal.tail
        }
        guard let a = bytes.baseAddress, let b = raw.baseAddress else { return true }
        return memcmp(a + literal.offset, b, literal.count) == 0
    }

    /// The index of the top-level field whose key is `raw`.
    @inline(__always)
    func field(named raw: UnsafeRawBufferPointer) -> Int? {
        fields.firstIndex { equals($0.key, raw) }
    }

    /// The index in `members` of the member of `field`'s records whose key is `raw`.
    @inline(__always)
    func member(named raw: UnsafeRawBufferPointer, of field: Field) -> Int? {
        field.members.first { equals(members[$0].key, raw) }
    }

    func choices(_ rule: Rule) -> UnsafeBufferPointer<Literal>.SubSequence { literals[rule.choices] }
}
