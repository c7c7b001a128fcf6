// The `session` fuzz target's checks of the two passes that read a session file without decoding it:
// the schema observer of the verification scan (`SessionSignature.verifyWithSchema`, used by the
// audit) and `SessionMetadataScanner` (used by `SessionStore.list` and `cleanup`). Both
// answer from raw bytes; both must agree with decoding and `Session(document:)`.

internal import JidoCore
internal import struct Foundation.Date

extension FuzzChecks {
    /// `SessionSignature.verifyWithSchema(fileBytes:key:limits:)` on `bytes` (`decoded`: what they
    /// decode to under `limits`, evaluated only when needed):
    /// - schema facts only for a canonical file (`isCanonical`), and then exactly what the exact path
    ///   says: the file decodes to an object that `Session(document:)` accepts, with the same id, the
    ///   same `closed_at` (by bytes), and `hasNonASCIIKeys` true exactly when some key, at any depth,
    ///   has a non-ASCII byte;
    /// - `SessionSchemaScanner.scan` (the same observer over `CanonicalLayout.scan`) gives facts only
    ///   for bytes the canonical scanner accepts; for those, `verifyWithSchema` verifies exactly as
    ///   `verify(fileBytes:key:limits:)` does and gives the same facts (a non-canonical file takes the
    ///   slow path, the same code with or without the observer, so it is not verified twice);
    /// - no missed fast answer: when the scanner accepts the bytes and `Session(document:)` accepts the
    ///   decoded object, the facts are nil only because `closed_at` holds a character the canonical
    ///   form escapes (the observer compares raw, unescaped strings only).
    static func schemaFactsAgree(_ bytes: [UInt8], limits: JSONLimits = .default, decoded: @autoclosure () -> JSONDocument?,
                                 _ check: String, _ what: @autoclosure () -> String) throws(InvariantViolation) {
        let key = try keys(check).key
        let (result, facts) = bytes.withUnsafeBytes { SessionSignature.verifyWithSchema(fileBytes: $0, key: key, limits: limits) }
        let scanned = bytes.withUnsafeBytes { SessionSchemaScanner.scan($0, limits: limits) }
        let fastPath = result.isCanonical && bytes.withUnsafeBytes { CanonicalLayout.scan($0, limits: limits) } != nil
        if fastPath {
            let plain = SessionSignature.verify(fileBytes: bytes, key: key, limits: limits)
            try require(result == plain, check, "\(what()): verifyWithSchema verifies \(result), verify \(plain)")
            try require(facts == scanned, check,
                        "\(what()): verifyWithSchema's facts \(String(describing: facts)) differ from SessionSchemaScanner's \(String(describing: scanned))")
        } else {
            try require(scanned == nil, check, "\(what()): SessionSchemaScanner has facts for bytes verify does not find canonical on its fast path")
        }
        guard facts != nil || fastPath else { return }

        let document = decoded()
        let session: Result<Session, SchemaError>?
        if let object = document?.value.objectValue {
            do { session = .success(try Session(document: object)) } catch { session = .failure(error) }
        } else {
            session = nil
        }
        if let facts {
            try require(result.isCanonical, check, "\(what()): schema facts for a file that is not canonical")
            guard let document, let session else {
                throw InvariantViolation(check: check, message: "\(what()): schema facts for a file that does not decode to an object under \(limits)")
            }
            let valid: Session
            switch session {
            case let .success(s): valid = s
            case let .failure(error):
                throw InvariantViolation(check: check, message: "\(what()): schema facts \(facts), but Session(document:) says \(error)")
            }
            try require(facts.id == valid.id, check, "\(what()): schema id \(facts.id), Session's \(valid.id)")
            let validClosedAt = valid.document["closed_at"]?.stringValue
            try require(sameOptionalString(facts.closedAt, validClosedAt), check,
                        "\(what()): schema closed_at \(String(describing: facts.closedAt)), Session's \(String(describing: validClosedAt))")
            let nonASCII = hasNonASCIIKey(document.value)
            try require(facts.hasNonASCIIKeys == nonASCII, check, "\(what()): hasNonASCIIKeys is \(facts.hasNonASCIIKeys), the keys say \(nonASCII)")
        } else if case let .success(valid)? = session {
            let escapedClosedAt = valid.document["closed_at"]?.stringValue.map { text in
                (try? CanonicalJSON.encode(.string(text)))?.contains(UInt8(ascii: "\\")) ?? true
            } ?? false
            try require(escapedClosedAt, check, "\(what()): a canonical file Session(document:) accepts gets no schema facts")
        }
    }

    /// `SessionMetadataScanner.scan` on any bytes (`document`: what they decode to with the default
    /// limits): it never crashes or reads out of bounds (ASan), expecting the document's own id or,
    /// when there is none, a fixed one. When the bytes decode to an object and it answers, its answer
    /// is the document's: the id is the document's `id` string (and scanning for another id answers
    /// nil), `name`, `project_path` and `closed_at` are the document's strings (first occurrence, by
    /// bytes). No missed answer: for a session `Session(document:)` accepts, it answers unless a
    /// top-level key holds an escape (the scanner compares raw keys only).
    static func metadataAgrees(_ input: [UInt8], decoded document: JSONDocument?, _ check: String) throws(InvariantViolation) {
        let object = document?.value.objectValue
        let ownID = object?["id"]?.stringValue.flatMap { SessionID($0) }
        guard let expected = ownID ?? probeIDs.first, let other = probeIDs.first(where: { $0 != expected }) else { return }
        let metadata = SessionMetadataScanner.scan(input, expected: expected)
        let forOther = SessionMetadataScanner.scan(input, expected: other)
        guard let object else { return }  // not a JSON object: no crash is all that is asked

        try require(forOther == nil, check, "the metadata scanner answers for id \(other), the document's id is \(String(describing: ownID))")
        guard let metadata else {
            guard let session = try? Session(document: object) else { return }
            let escapedKey = topLevelKeyHasEscape(input)
            try require(escapedKey, check, "the metadata scanner gives up on a session Session(document:) accepts (id \(session.id))")
            return
        }
        try require(metadata.id == expected && ownID == expected, check,
                    "the metadata scanner says id \(metadata.id), the document's id is \(String(describing: ownID))")
        let fields: [(String, String?, String?)] = [
            ("name", metadata.name, object["name"]?.stringValue),
            ("project_path", metadata.projectPath, object["project_path"]?.stringValue),
        ]
        let dates: [(String, Date?)] = [("closed_at", metadata.closedAt), ("updated_at", metadata.updatedAt)]
        for (name, scanned) in dates {
            let decoded = object[name]?.stringValue.flatMap(ISO8601.date)
            try require(scanned == decoded, check,
                        "the metadata scanner reads \(name) as \(String(describing: scanned)), the document has \(String(describing: object[name]))")
        }
        for (name, scanned, decoded) in fields {
            try require(sameOptionalString(scanned, decoded), check,
                        "the metadata scanner reads \(name) as \(String(describing: scanned)), the document has \(String(describing: object[name]))")
        }
    }

    /// Ids the metadata check expects when the document has none of its own (two, so one always
    /// differs from the document's).
    static let probeIDs: [SessionID] = ["6f1c7c4e-0c1a-4d8e-9b5a-2f3e4d5c6b7a", "00000000-0000-4000-8000-000000000000"]
        .compactMap { SessionID($0) }

    /// True when some key of `value`, at any depth, has a non-ASCII byte.
    static func hasNonASCIIKey(_ value: JSONValue) -> Bool {
        var pending = [value]
        while let value = pending.popLast() {
            switch value {
            case let .object(object):
                if object.keys.contains(where: { $0.utf8.contains { $0 >= 0x80 } }) { return true }
                pending += object.members.map(\.value)
            case let .array(elements):
                pending += elements
            default:
                break
            }
        }
        return false
    }

    /// True when a key of the top-level object of `bytes` (valid JSON) holds a backslash. Its own
    /// small walk: strings are skipped escape-aware, nesting is counted.
    static func topLevelKeyHasEscape(_ bytes: [UInt8]) -> Bool {
        var depth = 0
        var expectingKey = false
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            case UInt8(ascii: "\""):
                var end = i + 1
                var escaped = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end += 1
                    }
                    end += 1
                }
                if expectingKey && escaped { return true }
                expectingKey = false
                i = end
            default:
                break
            }
            i += 1
        }
        return false
    }

    static func sameOptionalString(_ a: String?, _ b: String?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): a.utf8.elementsEqual(b.utf8)
        default: false
        }
    }
}
