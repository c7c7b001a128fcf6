#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JidoCode v1 session: its document (every member kept, known or not, so a load-modify-save
/// round trip loses nothing) with typed, validated access to the members JidoCode defines.
///
/// A `Session` always follows JidoCode's schema (`SessionSchema`): every way to build or change one
/// either keeps it valid by construction (typed properties, `append`, enums for the closed sets) or
/// checks and throws (`init(document:)`, `set(_:to:)`), so `SessionStore` never has a reason to
/// refuse one it is given.
public struct Session: Sendable, Equatable {
    /// The document without its `signature` member.
    public private(set) var document: JSONObject
    public let id: SessionID

    /// Validates `document` (its `signature` member, if any, dropped) against JidoCode's schema:
    /// the table `SessionSchema.fields`; the error is the first rule broken, in table order.
    public init(document: JSONObject) throws(SchemaError) {
        try self.init(document: document, unchangedFrom: nil)
    }

    /// `init(document:)` for a document that extends `previous`'s: conversation messages that are
    /// `previous`'s own values (the same storage) are not checked again (`SessionSchema.validate`).
    package init(document: JSONObject, unchangedFrom previous: Session?) throws(SchemaError) {
        var document = document
        document[SessionSignature.memberName] = nil
        id = try SessionSchema.validate(document, unchangedFrom: previous?.document)
        self.document = document
    }

    /// A new, empty session (version 1): created and last updated at `createdAt`, not closed.
    public init(id: SessionID, name: String, projectPath: String, createdAt: Date = Date(), config: JSONObject = JSONObject()) {
        // Every member the schema requires is set here with the right type, so validation cannot fail.
        let created = JSONValue.string(ISO8601.string(from: createdAt))
        document = JSONObject([
            ("version", .integer(JSONInteger(1))), ("id", .string(id.rawValue)), ("name", .string(name)),
            ("project_path", .string(projectPath)), ("config", .object(config)), ("created_at", created),
            ("updated_at", created), ("conversation", .array([])), ("todos", .array([])), ("prompt_history", .array([])),
        ])
        self.id = id
    }

    // MARK: - Members

    public var name: String {
        get { document["name"]?.stringValue ?? "" }
        set { document["name"] = .string(newValue) }
    }

    public var projectPath: String {
        get { document["project_path"]?.stringValue ?? "" }
        set { document["project_path"] = .string(newValue) }
    }

    /// `created_at`; nil when the stored text is not an ISO 8601 timestamp (JidoCode's schema only
    /// asks for a string).
    public var createdAt: Date? { document["created_at"].flatMap(Self.date) }

    /// `updated_at`: the last activity. `append` moves it to the message's time, and `SessionStore`
    /// to the time of every write; `markUpdated(at:)` sets it.
    public var updatedAt: Date? { document["updated_at"].flatMap(Self.date) }

    /// `closed_at`: when the session was closed; nil for an open session (a new one is open).
    /// Setting nil removes the member. JidoCode cannot load a file without it, so `SessionStore`
    /// writes an open session with `closed_at` set to the time of the write (as JidoCode, which
    /// persists a session when it closes it).
    public var closedAt: Date? {
        get { document["closed_at"].flatMap(Self.date) }
        set { document["closed_at"] = newValue.map { .string(ISO8601.string(from: $0)) } }
    }

    /// Sets `updated_at` to `date`, written as JidoCode writes timestamps (UTC, microseconds).
    public mutating func markUpdated(at date: Date) {
        document["updated_at"] = .string(ISO8601.string(from: date))
    }

    /// The latest of `updated_at` and `closed_at`: when the session was last used or saved.
    var lastActivity: Date? { [updatedAt, closedAt].compactMap { $0 }.max() }

    private static func date(_ value: JSONValue) -> Date? { value.stringValue.flatMap(ISO8601.date) }

    // MARK: - Conversation

    /// The conversation's messages, in order.
    public var conversation: [Message] {
        (document["conversation"]?.arrayValue ?? []).compactMap { $0.objectValue.flatMap(Message.init(object:)) }
    }

    public var messageCount: Int { document["conversation"]?.arrayValue?.count ?? 0 }

    /// Messages `offset ..< offset + limit` (clamped), for paging through a long conversation.
    public func conversationPage(offset: Int, limit: Int) -> [Message] {
        let all = document["conversation"]?.arrayValue ?? []
        let start = min(max(offset, 0), all.count)
        let end = min(start + max(limit, 0), all.count)
        return all[start..<end].compactMap { $0.objectValue.flatMap(Message.init(object:)) }
    }

    /// Appends a message to the conversation and moves `updated_at` to its time when that is later.
    public mutating func append(_ message: Message) {
        let element = JSONValue.object(message.object)
        if !document.modifyValue(forKey: "conversation", { $0.appendElement(element) }) {
            document["conversation"] = .array([element])
        }
        if let time = message.timestamp, updatedAt.map({ $0 < time }) ?? true { markUpdated(at: time) }
    }

    // MARK: - Todos

    /// The todo list, in order.
    public var todos: [Todo] {
        get { (document["todos"]?.arrayValue ?? []).compactMap { $0.objectValue.flatMap(Todo.init(object:)) } }
        set { document["todos"] = .array(newValue.map { .object($0.object) }) }
    }

    // MARK: - Other members

    /// The members `set(_:to:)` refuses: the session's identity and format, and the signature (the
    /// store computes it).
    public static let reservedKeys: Set<String> = ["id", "version", SessionSignature.memberName]

    /// Sets any other top-level member (`language`, `cumulative_usage`, a member JidoCode does not
    /// define, ...). Throws, leaving the session unchanged, for a reserved key (`reservedKeys`) or a
    /// value the schema refuses there (say a string for `conversation`).
    public mutating func set(_ key: String, to value: JSONValue) throws(SchemaError) {
        guard !Self.reservedKeys.contains(key) else { throw SchemaError(pointer: "/" + key, reason: "cannot be changed") }
        var changed = document
        changed[key] = value
        _ = try SessionSchema.validate(changed)
        document = changed
    }

    // MARK: - Parts

    /// One conversation message.
    public struct Message: Sendable, Equatable {
        /// Who wrote a message: JidoCode's closed set (`Schema.validate_message/1`).
        public enum Role: String, Sendable, CaseIterable {
            case user, assistant, system, tool
        }

        /// The message object as stored (members JidoCode adds beyond the four are kept).
        public let object: JSONObject
        public let role: Role

        public init(id: String, role: Role, content: String, timestamp: Date) {
            object = JSONObject([("content", .string(content)), ("id", .string(id)), ("role", .string(role.rawValue)),
                                 ("timestamp", .string(ISO8601.string(from: timestamp)))])
            self.role = role
        }

        /// A message object with members beyond the four (JidoCode adds `usage`, ...), checked
        /// against the schema's message rules (`SessionSchema.message`); the pointer of an error is
        /// relative to the message.
        public init(validating object: JSONObject) throws(SchemaError) {
            try SessionSchema.validate(record: object, SessionSchema.message, pointer: "")
            guard let message = Message(object: object) else { throw SchemaError(pointer: "/role", reason: "not a known role") }
            self = message
        }

        /// nil unless `object` has a known role (a message of a validated session always has).
        init?(object: JSONObject) {
            guard let role = object["role"]?.stringValue.flatMap(Role.init(rawValue:)) else { return nil }
            self.object = object
            self.role = role
        }

        public var id: String { object["id"]?.stringValue ?? "" }
        public var content: String { object["content"]?.stringValue ?? "" }
        /// nil when the stored text is not an ISO 8601 timestamp.
        public var timestamp: Date? { object["timestamp"]?.stringValue.flatMap(ISO8601.date) }
    }

    /// One todo item.
    public struct Todo: Sendable, Equatable {
        /// A todo's state: JidoCode's closed set (`Schema.validate_todo/1`).
        public enum Status: String, Sendable, CaseIterable {
            case pending
            case inProgress = "in_progress"
            case completed
        }

        /// The todo object as stored.
        public let object: JSONObject
        public let status: Status

        public init(content: String, activeForm: String, status: Status) {
            object = JSONObject([("active_form", .string(activeForm)), ("content", .string(content)), ("status", .string(status.rawValue))])
            self.status = status
        }

        /// A todo object with members beyond the three, checked against the schema's todo rules
        /// (`SessionSchema.todo`); the pointer of an error is relative to the todo.
        public init(validating object: JSONObject) throws(SchemaError) {
            try SessionSchema.validate(record: object, SessionSchema.todo, pointer: "")
            guard let todo = Todo(object: object) else { throw SchemaError(pointer: "/status", reason: "not a known status") }
            self = todo
        }

        /// nil unless `object` has a known status (a todo of a validated session always has).
        init?(object: JSONObject) {
            guard let status = object["status"]?.stringValue.flatMap(Status.init(rawValue:)) else { return nil }
            self.object = object
            self.status = status
        }

        public var content: String { object["content"]?.stringValue ?? "" }
        public var activeForm: String { object["active_form"]?.stringValue ?? "" }
    }
}
