/// Why a document is not a session JidoCode could load.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer of the offending member.
    public let pointer: String
    public let reason: String
    public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(reason)" }
    /// What went wrong, for anyone: the member and the rule (no content of the session).
    public var userMessage: String { "The session is not in JidoCode's format (\(description)); it was not changed." }
    /// Full detail for logs.
    public var logDescription: String { "schema: \(description)" }
}

/// JidoCode's v1 session schema, written once as a table.
///
/// Two walkers read it and nothing else knows a rule: `SessionSchema.validate` (what
/// `Session(document:)` runs on a decoded document, and `SessionStore` before every write: the first
/// rule broken, in table order, is the `SchemaError`) and `SessionSchemaObserver` (the same rules
/// followed key by key during the canonical scan of a file's bytes, without decoding it).
///
/// The rules are JidoCode's `Schema.validate_session/1`, `validate_message/1` and `validate_todo/1`
/// as this library has always enforced them, somewhat stricter than JidoCode (`created_at` and
/// `updated_at` must be strings, `closed_at` is optional, messages and todos are checked on load).
/// Members the table does not name are kept and not checked, at any level.
package enum SessionSchema {
    /// What one value must be.
    public enum Value: Sendable, Equatable {
        case string
        /// Any object (its members are not checked).
        case object
        /// A string that is a lower-case UUID v4 (`SessionID`).
        case sessionID
        /// An integer of at least 1 that is one of `supported`.
        case version(supported: ClosedRange<Int>)
        /// A string equal (by bytes) to one of these.
        case oneOf([String])
    }

    /// What a top-level member holds.
    public enum Shape: Sendable, Equatable {
        /// One value.
        case single(Value)
        /// An array whose every element is the value.
        case list(Value)
        /// An array of objects (records) with these members.
        case records([Member])
    }

    /// A member of a record (a conversation message, a todo).
    public struct Member: Sendable, Equatable {
        public let key: String
        public let value: Value
        public let isRequired: Bool

        init(_ key: String, _ value: Value, required: Bool = true) {
            self.key = key
            self.value = value
            isRequired = required
        }
    }

    /// A member of the top-level object.
    public struct Field: Sendable, Equatable {
        public let key: String
        public let shape: Shape
        public let isRequired: Bool

        init(_ key: String, _ shape: Shape, required: Bool = true) {
            self.key = key
            self.shape = shape
            isRequired = required
        }
    }

    /// The `version`s this library reads and writes.
    public static let supportedVersions = 1...1
    /// A message's `role` (`Session.Message.Role`), in the order error messages list them.
    public static let roles = Session.Message.Role.allCases.map(\.rawValue)
    /// A todo's `status` (`Session.Todo.Status`), in the order error messages list them.
    public static let todoStatuses = Session.Todo.Status.allCases.map(\.rawValue)

    /// A conversation message.
    public static let message: [Member] = [
        Member("id", .string), Member("content", .string), Member("timestamp", .string), Member("role", .oneOf(roles)),
    ]

    /// A todo.
    public static let todo: [Member] = [
        Member("content", .string), Member("active_form", .string), Member("status", .oneOf(todoStatuses)),
    ]

    /// The top-level members, in the order they are checked.
    public static let fields: [Field] = [
        Field("version", .single(.version(supported: supportedVersions))),
        Field("id", .single(.sessionID)),
        Field("name", .single(.string)),
        Field("project_path", .single(.string)),
        Field("created_at", .single(.string)),
        Field("updated_at", .single(.string)),
        Field("closed_at", .single(.string), required: false),
        Field("language", .single(.string), required: false),
        Field("config", .single(.object)),
        Field("cumulative_usage", .single(.object), required: false),
        Field("prompt_history", .list(.string), required: false),
        Field("conversation", .records(message)),
        Field("todos", .records(todo)),
    ]

    // MARK: - The decoded-document walker

    /// Checks `object` (a session document, with or without its `signature`) against `fields`, in
    /// table order; returns its id. Linear in the size of the arrays the table names; the walk goes
    /// no deeper than the table (a record's members), whatever the document's depth. (JSON Pointers
    /// are built only for the error: this runs on every load and before every save.)
    ///
    /// `unchangedFrom`: a document this walk (or `Session`, which runs it) already accepted. An
    /// element of a list or records member that is the very same storage as the element at the
    /// same index there (`JSONValue.sharesStorage`: the same buffer, so the same value) is not
    /// walked again, so checking a session after an append costs the new messages, not the whole
    /// conversation. Any other element, and every single-valued member, is checked as usual.
    public static func validate(_ object: JSONObject, unchangedFrom validated: JSONObject? = nil) throws(SchemaError) -> SessionID {
        var id: SessionID?
        for field in fields {
            guard let value = object[field.key] else {
                if field.isRequired { throw SchemaError(pointer: "/" + field.key, reason: field.shape.problem(required: true)) }
                continue
            }
            switch field.shape {
            case let .single(rule):
                if let reason = problem(with: value, rule, required: field.isRequired, id: &id) {
                    throw SchemaError(pointer: "/" + field.key, reason: reason)
                }
            case let .list(rule):
                guard case let .array(elements) = value else {
                    throw SchemaError(pointer: "/" + field.key, reason: field.shape.problem(required: field.isRequired))
                }
                for (i, element) in elements.enumerated() {
                    if let reason = problem(with: element, rule, required: false, id: &id) {
                        throw SchemaError(pointer: "/\(field.key)/\(i)", reason: reason)
                    }
                }
            case let .records(members):
                guard case let .array(elements) = value else {
                    throw SchemaError(pointer: "/" + field.key, reason: field.shape.problem(required: field.isRequired))
                }
                let accepted = validated?[field.key]?.arrayValue ?? []
                for (i, element) in elements.enumerated() {
                    if i < accepted.count, element.sharesStorage(with: accepted[i]) { continue }
                    guard case let .object(record) = element else { throw SchemaError(pointer: "/\(field.key)/\(i)", reason: "not an object") }
                    if let (key, reason) = problem(in: record, members, id: &id) {
                        throw SchemaError(pointer: "/\(field.key)/\(i)/\(key)", reason: reason)
                    }
                }
            }
        }
        // Unreachable while the table requires `id` as a `.sessionID`.
        guard let id else { throw SchemaError(pointer: "/id", reason: Value.sessionID.problem(required: true)) }
        return id
    }

    /// Checks one record (a message, a todo) against its members; `pointer` is the record's.
    static func validate(record: JSONObject, _ members: [Member], pointer: String) throws(SchemaError) {
        var id: SessionID?
        if let (key, reason) = problem(in: record, members, id: &id) { throw SchemaError(pointer: "\(pointer)/\(key)", reason: reason) }
    }

    /// The first member of `record` that breaks its rule, and why; nil when the record follows them.
    private static func problem(in record: JSONObject, _ members: [Member], id: inout SessionID?) -> (key: String, reason: String)? {
        for member in members {
            if let memberValue = record[member.key] {
                if let reason = problem(with: memberValue, member.value, required: member.isRequired, id: &id) { return (member.key, reason) }
            } else if member.isRequired {
                return (member.key, member.value.problem(required: true))
            }
        }
        return nil
    }

    /// Why a present value breaks `rule`, or nil when it follows it; the first `.sessionID` met is
    /// the session's id.
    private static func problem(with value: JSONValue, _ rule: Value, required: Bool, id: inout SessionID?) -> String? {
        switch rule {
        case .string:
            if case .string = value { return nil }
        case .object:
            if case .object = value { return nil }
        case .sessionID:
            if case let .string(text) = value, let parsed = SessionID(text) {
                if id == nil { id = parsed }
                return nil
            }
        case let .version(supported):
            if case let .integer(integer) = value, let number = integer.intValue {
                guard number >= 1 else { return "must be at least 1" }
                return supported.contains(number) ? nil : "version \(number) is not supported"
            }
        case let .oneOf(allowed):
            if case let .string(text) = value, allowed.contains(where: { $0.hasSameUTF8(as: text) }) { return nil }
        }
        return rule.problem(required: required)
    }
}

extension SessionSchema.Value {
    /// The reason given when the value is missing (`required`) or not what the rule asks.
    func problem(required: Bool) -> String {
        let missing = required ? "missing or " : ""
        switch self {
        case .string: return missing + "not a string"
        case .object: return missing + "not an object"
        case .sessionID: return missing + "not a lower-case UUID v4"
        case .version: return missing + "not an integer"
        case let .oneOf(allowed): return "must be one of " + allowed.joined(separator: ", ")
        }
    }
}

extension SessionSchema.Shape {
    /// The reason given when the member is missing (`required`) or of the wrong type.
    func problem(required: Bool) -> String {
        switch self {
        case let .single(value): return value.problem(required: required)
        case .list, .records: return (required ? "missing or " : "") + "not an array"
        }
    }
}
