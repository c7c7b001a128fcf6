internal import Glibc

/// JidoCode's session schema checked during the canonical scan, without building the document.
///
/// `SessionSchemaObserver` follows `CanonicalLayout.scan` (so the bytes are also proven canonical:
/// valid JSON, no duplicate keys) and answers what `Session(document:)` would when every rule
/// holds: the id and `closed_at`. Any failed rule or anything unusual (an escaped value where a raw
/// one is compared, a version other than `1`) gives nil; callers then take the exact path (decode,
/// then `Session(document:)`) for the precise error. Keys are compared as raw bytes, no hashing.
public enum SessionSchemaScanner {
    public struct Facts: Sendable, Equatable {
        public let id: SessionID
        public let closedAt: String?
        /// Some key has a non-ASCII byte: only then can keys be ambiguous (`KeyAmbiguity`).
        public var hasNonASCIIKeys = false
    }

    /// The facts of canonical session bytes, or nil (not canonical, or the exact path must decide).
    public static func scan(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits = .default) -> Facts? {
        var observer = SessionSchemaObserver()
        guard CanonicalLayout.scan(bytes, limits: limits, observer: &observer) != nil else { return nil }
        return observer.facts
    }

    public static func scan(_ bytes: [UInt8]) -> Facts? { bytes.withUnsafeBytes { scan($0) } }
}

/// The state machine behind `SessionSchemaScanner`; see `CanonicalScanObserver` for the depths.
struct SessionSchemaObserver: CanonicalScanObserver {
    static var isActive: Bool { true }
    /// Top-level keys: the first nine are required; then closed_at, language, cumulative_usage,
    /// prompt_history.
    static let topLevel: [[UInt8]] = ["version", "id", "name", "project_path", "created_at", "updated_at", "config",
                                      "conversation", "todos", "closed_at", "language", "cumulative_usage", "prompt_history"]
        .map { Array($0.utf8) }
    static let requiredCount = 9
    /// How many string members a message and a todo must have (see `key`).
    static let messageStringCount = 3, todoStringCount = 2

    private enum TopKey: Equatable { case none, other, index(Int) }
    private enum RecordKey { case other, string, choice }

    private var failed = false
    /// The top-level value closed: the observer saw the whole document. A scan that stopped at a
    /// limit part way through (the slow path may still find the file canonical) has no facts.
    private var complete = false
    private var hasNonASCIIKeys = false
    private var requiredSeen = 0
    private var id: SessionID?
    private var closedAt: String?
    private var topKey = TopKey.none
    // The conversation message or todo being read (an object at depth 3).
    private var inRecord = false
    private var recordKey = RecordKey.other
    private var stringsFound = 0
    private var choiceOK = false

    var facts: SessionSchemaScanner.Facts? {
        guard !failed, complete, requiredSeen == Self.requiredCount, let id else { return nil }
        return SessionSchemaScanner.Facts(id: id, closedAt: closedAt, hasNonASCIIKeys: hasNonASCIIKeys)
    }

    @inline(__always)
    static func index(of key: UnsafeRawBufferPointer, in table: [[UInt8]]) -> Int? {
        table.firstIndex { $0.count == key.count && $0.withUnsafeBytes { equal($0, key) } }
    }

    /// Byte equality by `memcmp` (the observer runs for every key and scalar of every file audited).
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        return memcmp(x, y, a.count) == 0
    }

    @inline(__always)
    static func equal(_ raw: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        equal(raw, UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private var isRecordArray: Bool { topKey == .index(7) || topKey == .index(8) }

    mutating func key(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) {
        let recognized = recognize(raw, escaped: escaped, depth: depth)
        // A key matched against a literal is ASCII; only the others need looking at.
        if !recognized && !hasNonASCIIKeys && !SWAR.isASCII(raw) { hasNonASCIIKeys = true }
    }

    /// Follows the schema's keys; true when `raw` is one of the (ASCII) keys it names.
    private mutating func recognize(_ raw: UnsafeRawBufferPointer, escaped: Bool, depth: Int) -> Bool {
        if depth == 1 {
            guard !escaped, let which = Self.index(of: raw, in: Self.topLevel) else {
                topKey = .other
                return false
            }
            topKey = .index(which)
            if which < Self.requiredCount { requiredSeen += 1 }
            return true
        } else if depth == 3, inRecord {
            if escaped {
                recordKey = .other
            } else if topKey == .index(7) {
                // A conversation message: string `id`, `content`, `timestamp`; `role` one of `Session.roles`.
                if Self.equal(raw, "content") || Self.equal(raw, "id") || Self.equal(raw, "timestamp") {
                    recordKey = .string
                } else {
                    recordKey = Self.equal(raw, "role") ? .choice : .other
                }
            } else {
                // A todo: string `content`, `active_form`; `status` one of `Session.todoStatuses`.
                if Self.equal(raw, "content") || Self.equal(raw, "active_form") {
                    recordKey = .string
                } else {
                    recordKey = Self.equal(raw, "status") ? .choice : .other
                }
            }
            return recordKey != .other
        }
        return false
    }

    mutating func open(isObject: Bool, depth: Int) {
        switch depth {
        case 0:
            if !isObject { failed = true }
        case 1:
            guard case let .index(which) = topKey else { return }
            switch which {
            case 6, 11: if !isObject { failed = true }
            case 7, 8, 12: if isObject { failed = true }
            default: failed = true // a container where a string or the version belongs
            }
        case 2:
            if topKey == .index(12) || (isRecordArray && !isObject) { failed = true }
            if isRecordArray && isObject {
                inRecord = true
                recordKey = .other
                stringsFound = 0
                choiceOK = false
            }
        case 3:
            if inRecord && recordKey != .other { failed = true }
        default:
            break
        }
    }

    mutating func close(depth: Int) {
        if depth == 1 { complete = true }
        guard depth == 3, inRecord else { return }
        let expected = topKey == .index(7) ? Self.messageStringCount : Self.todoStringCount
        if stringsFound != expected || !choiceOK { failed = true }
        inRecord = false
    }

    mutating func scalar(_ token: UnsafeRawBufferPointer, depth: Int) {
        let isString = token.first == ASCII.quote
        switch depth {
        case 0:
            failed = true
        case 1:
            guard case let .index(which) = topKey else { return }
            switch which {
            case 0: if token.count != 1 || token.first != UInt8(ascii: "1") { failed = true }
            case 1:
                guard let raw = Self.rawString(token) else {
                    failed = true
                    return
                }
                id = SessionID(String(decoding: raw, as: UTF8.self))
                if id == nil { failed = true }
            case 9:
                guard let raw = Self.rawString(token) else {
                    failed = true
                    return
                }
                closedAt = String(decoding: raw, as: UTF8.self)
            case 2, 3, 4, 5, 10: if !isString { failed = true }
            default: failed = true // objects and arrays are expected here
            }
        case 2:
            if topKey == .index(12) { if !isString { failed = true } } else if isRecordArray { failed = true }
        case 3:
            guard inRecord else { return }
            switch recordKey {
            case .other: break
            case .string:
                if isString { stringsFound += 1 } else { failed = true }
            case .choice:
                guard let raw = Self.rawString(token), isString else {
                    failed = true
                    return
                }
                if topKey == .index(7) {
                    choiceOK = Self.equal(raw, "user") || Self.equal(raw, "assistant") || Self.equal(raw, "system") || Self.equal(raw, "tool")
                } else {
                    choiceOK = Self.equal(raw, "pending") || Self.equal(raw, "in_progress") || Self.equal(raw, "completed")
                }
            }
        default:
            break
        }
    }

    /// The content of a string token without escapes, else nil.
    static func rawString(_ token: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard token.count >= 2, token.first == ASCII.quote else { return nil }
        let content = UnsafeRawBufferPointer(rebasing: token.dropFirst().dropLast())
        return content.contains(ASCII.backslash) ? nil : content
    }
}
