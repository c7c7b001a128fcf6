/// A JidoCode v1 session: its document (every member kept, known or not, so a load-modify-save
/// round trip loses nothing) with typed, validated access to the members JidoCode defines.
public struct Session: Sendable, Equatable {
    /// The supported `version`s (`SessionSchema.supportedVersions`).
    public static let supportedVersions = SessionSchema.supportedVersions
    /// A message's allowed `role`s (`SessionSchema.roles`).
    public static let roles = Set(SessionSchema.roles)
    /// A todo's allowed `status`es (`SessionSchema.todoStatuses`).
    public static let todoStatuses = Set(SessionSchema.todoStatuses)

    /// The document without its `signature` member.
    public private(set) var document: JSONObject
    public let id: SessionID

    /// Validates `document` (its `signature` member, if any, dropped) against JidoCode's schema:
    /// the table `SessionSchema.fields`; the error is the first rule broken, in table order.
    public init(document: JSONObject) throws(SchemaError) {
        var document = document
        document[SessionSignature.memberName] = nil
        id = try SessionSchema.validate(document)
        self.document = document
    }

    /// A new, empty session (version 1) with the given fields.
    public static func new(id: SessionID, name: String, projectPath: String, createdAt: String,
                           config: JSONObject = JSONObject()) -> Session {
        // Every member the schema requires is set here with the right type, so validation cannot fail.
        let document = JSONObject([
            ("version", .integer(JSONInteger(1))), ("id", .string(id.rawValue)), ("name", .string(name)),
            ("project_path", .string(projectPath)), ("config", .object(config)), ("created_at", .string(createdAt)),
            ("updated_at", .string(createdAt)), ("closed_at", .string(createdAt)), ("conversation", .array([])),
            ("todos", .array([])), ("prompt_history", .array([])),
        ])
        return Session(validated: document, id: id)
    }

    private init(validated document: JSONObject, id: SessionID) {
        self.document = document
        self.id = id
    }

    public var name: String { document["name"]?.stringValue ?? "" }
    public var projectPath: String { document["project_path"]?.stringValue ?? "" }
    public var closedAt: String? { document["closed_at"]?.stringValue }
    public var updatedAt: String { document["updated_at"]?.stringValue ?? "" }
    /// The conversation's messages, in order.
    public var conversation: [Message] {
        (document["conversation"]?.arrayValue ?? []).compactMap { $0.objectValue.map(Message.init(object:)) }
    }
    public var messageCount: Int { document["conversation"]?.arrayValue?.count ?? 0 }

    /// Messages `offset ..< offset + limit` (clamped), for paging through a long conversation.
    public func conversationPage(offset: Int, limit: Int) -> [Message] {
        let all = document["conversation"]?.arrayValue ?? []
        let start = min(max(offset, 0), all.count)
        let end = min(start + max(limit, 0), all.count)
        return all[start..<end].compactMap { $0.objectValue.map(Message.init(object:)) }
    }

    /// Appends a message to the conversation (one the schema refuses, say an unknown role, makes the
    /// session one `SessionStore` refuses to save).
    public mutating func append(_ message: Message) {
        let element = JSONValue.object(message.object)
        if !document.modifyValue(forKey: "conversation", { $0.appendElement(element) }) {
            document["conversation"] = .array([element])
        }
    }

    /// Sets a string member JidoCode defines (`name`, `updated_at`, `closed_at`, ...); `id` and
    /// `version` cannot be changed this way. Setting a member the schema wants of another type
    /// (`conversation`, `config`, ...) makes the session one `SessionStore` refuses to save.
    public mutating func set(_ key: String, to value: String) {
        guard key != "id", key != "version", key != SessionSignature.memberName else { return }
        document[key] = .string(value)
    }

    /// One conversation message.
    public struct Message: Sendable, Equatable {
        public var object: JSONObject

        public init(id: String, role: String, content: String, timestamp: String) {
            object = JSONObject([("content", .string(content)), ("id", .string(id)), ("role", .string(role)),
                                 ("timestamp", .string(timestamp))])
        }

        init(object: JSONObject) { self.object = object }

        public var id: String { object["id"]?.stringValue ?? "" }
        public var role: String { object["role"]?.stringValue ?? "" }
        public var content: String { object["content"]?.stringValue ?? "" }
    }
}
