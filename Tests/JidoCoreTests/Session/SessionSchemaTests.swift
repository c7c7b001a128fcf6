import Testing
@testable import JidoCore

/// The schema table (`SessionSchema`) and its two walkers: the decoded-document walk
/// (`Session(document:)`) and the one-pass observer (`SessionSchemaScanner`, over the canonical
/// bytes). Every crafted document gets the same answer from both; the decoder's reasons are pinned.
@Suite struct SessionSchemaTests {
    static let id = "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10"

    static var message: JSONObject {
        JSONObject([("id", .string("m1")), ("role", .string("user")), ("content", .string("hello")), ("timestamp", .string("t"))])
    }

    static var todo: JSONObject {
        JSONObject([("content", .string("Run tests")), ("active_form", .string("Running tests")), ("status", .string("pending"))])
    }

    /// A session with every member the table names, optional ones included.
    static var base: JSONObject {
        JSONObject([
            ("version", .integer(JSONInteger(1))), ("id", .string(id)), ("name", .string("n")), ("project_path", .string("/p")),
            ("created_at", .string("2026-01-01T00:00:00Z")), ("updated_at", .string("2026-01-01T00:00:00Z")),
            ("closed_at", .string("2026-01-02T00:00:00Z")), ("language", .string("elixir")),
            ("config", .object(JSONObject([("model", .string("m"))]))),
            ("cumulative_usage", .object(JSONObject([("input_tokens", .integer(JSONInteger(3)))]))),
            ("prompt_history", .array([.string("a"), .string("b")])),
            ("conversation", .array([.object(message)])), ("todos", .array([.object(todo)])),
        ])
    }

    /// The decoder-side answer.
    func decoded(_ object: JSONObject) -> Result<Session, SchemaError> {
        do { return .success(try Session(document: object)) } catch { return .failure(error) }
    }

    /// The observer-side answer, over the document's canonical bytes.
    func observed(_ object: JSONObject) throws -> SessionSchemaScanner.Facts? {
        SessionSchemaScanner.scan(try CanonicalJSON.encode(.object(object)))
    }

    /// Both paths agree (accept with the same id and `closed_at`, or both refuse); returns the
    /// decoder's answer.
    @discardableResult
    func agree(_ object: JSONObject, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result<Session, SchemaError> {
        let exact = decoded(object)
        let fast = try observed(object)
        switch exact {
        case let .success(session):
            #expect(fast?.id == session.id, "\(label): the observer refuses what Session(document:) accepts", sourceLocation: sourceLocation)
            #expect(fast?.closedAt == session.document["closed_at"]?.stringValue, "\(label)", sourceLocation: sourceLocation)
        case let .failure(error):
            #expect(fast == nil, "\(label): the observer accepts what Session(document:) refuses (\(error))", sourceLocation: sourceLocation)
        }
        return exact
    }

    func replacing(_ key: String, with value: JSONValue?, in object: JSONObject = base) -> JSONObject {
        var changed = object
        changed[key] = value
        return changed
    }

    func withRecord(_ key: String, _ record: JSONValue) -> JSONObject { replacing(key, with: .array([record])) }

    /// Values of every JSON type (and arrays of each element kind).
    static let replacements: [JSONValue] = [
        .null, .bool(true), .integer(JSONInteger(2)), .integer(JSONInteger(1)), .float(1.5), .string("x"), .string(id),
        .string("user"), .array([]), .object(JSONObject()), .array([.string("x")]), .array([.integer(JSONInteger(1))]),
        .array([.object(JSONObject())]), .array([.object(message)]), .array([.object(todo)]),
    ]

    /// The observer's bit sets hold 64 fields and 64 members per record.
    @Test func theTableFitsTheObserver() {
        #expect(SessionSchema.fields.count <= 64)
        for field in SessionSchema.fields {
            if case let .records(members) = field.shape { #expect(members.count <= 64) }
        }
        #expect(CompiledSessionSchema.shared.fields.count == SessionSchema.fields.count)
    }

    @Test func theBaseDocumentAndTheMinimalOneAreSessions() throws {
        #expect(try agree(Self.base, "base").map(\.id.rawValue) == .success(Self.id))
        var minimal = Self.base
        for field in SessionSchema.fields where !field.isRequired { minimal[field.key] = nil }
        minimal["conversation"] = .array([])
        minimal["todos"] = .array([])
        #expect(try agree(minimal, "minimal").map(\.closedAt) == .success(nil))
    }

    /// Each top-level field of the table: missing, and replaced by a value of each type.
    @Test func everyTopLevelRuleRejectsOnBothPaths() throws {
        for field in SessionSchema.fields {
            let missing = try agree(replacing(field.key, with: nil), "\(field.key) missing")
            #expect((try? missing.get()) != nil || field.isRequired, "\(field.key) is optional")
            #expect((try? missing.get()) == nil || !field.isRequired, "\(field.key) is required")
            var accepted = 0
            for value in Self.replacements {
                if case .success = try agree(replacing(field.key, with: value), "\(field.key) = \(value)") { accepted += 1 }
            }
            #expect(accepted < Self.replacements.count, "some value breaks \(field.key)")
        }
    }

    /// Each member of a message and of a todo: missing, and replaced by a value of each type.
    @Test func everyRecordRuleRejectsOnBothPaths() throws {
        for (key, record) in [("conversation", Self.message), ("todos", Self.todo)] {
            for member in record.keys {
                try agree(withRecord(key, .object(replacing(member, with: nil, in: record))), "\(key) without \(member)")
                for value in Self.replacements {
                    try agree(withRecord(key, .object(replacing(member, with: value, in: record))), "\(key).\(member) = \(value)")
                }
            }
            for element: JSONValue in [.null, .string("x"), .integer(JSONInteger(1)), .array([]), .array([.object(record)]), .object(JSONObject())] {
                #expect(try agree(withRecord(key, element), "\(key) element \(element)").map(\.id.rawValue) != .success(Self.id))
            }
        }
    }

    /// Every role and status is accepted, near misses are not; unknown members are kept, not checked.
    @Test func everyRoleAndStatusOnBothPaths() throws {
        #expect(Set(SessionSchema.roles) == ["user", "assistant", "system", "tool"])
        #expect(Set(SessionSchema.todoStatuses) == ["pending", "in_progress", "completed"])
        #expect(Session.Message.Role.allCases.map(\.rawValue) == SessionSchema.roles)
        #expect(Session.Todo.Status.allCases.map(\.rawValue) == SessionSchema.todoStatuses)
        for role in SessionSchema.roles {
            let valid = try agree(withRecord("conversation", .object(replacing("role", with: .string(role), in: Self.message))), role)
            #expect((try? valid.get()) != nil, "role \(role)")
            for miss in [role.uppercased(), role + "s", String(role.dropLast()), " " + role] {
                let invalid = try agree(withRecord("conversation", .object(replacing("role", with: .string(miss), in: Self.message))), miss)
                #expect((try? invalid.get()) == nil, "role \(miss)")
            }
        }
        for status in SessionSchema.todoStatuses {
            let valid = try agree(withRecord("todos", .object(replacing("status", with: .string(status), in: Self.todo))), status)
            #expect((try? valid.get()) != nil, "status \(status)")
            for miss in [status.uppercased(), status + "s", String(status.dropLast()), "done"] {
                let invalid = try agree(withRecord("todos", .object(replacing("status", with: .string(miss), in: Self.todo))), miss)
                #expect((try? invalid.get()) == nil, "status \(miss)")
            }
        }
        for role in ["bot", ""] {
            #expect((try? decoded(withRecord("conversation", .object(replacing("role", with: .string(role), in: Self.message)))).get()) == nil)
        }
    }

    /// Members the table does not name, at any level and of any type, are accepted and kept.
    @Test func extraMembersAreAcceptedOnBothPaths() throws {
        let nested = JSONValue.object(JSONObject([("role", .integer(JSONInteger(1))), ("version", .string("x")), ("list", .array([.null]))]))
        var object = replacing("extra", with: nested)
        object["zz_\u{E9}"] = .array([nested])
        object = replacing("conversation", with: .array([.object(replacing("meta", with: nested, in: Self.message))]), in: object)
        object = replacing("todos", with: .array([.object(replacing("priority", with: .integer(JSONInteger(2)), in: Self.todo))]), in: object)
        object = replacing("config", with: nested, in: object)
        let session = try agree(object, "extra members").get()
        #expect(session.document["extra"] == nested)
        #expect(try observed(object)?.hasNonASCIIKeys == true)
        // An object of more than 32 members (written in the BEAM's hash order) is walked the same way.
        var large = Self.base
        for i in 0..<40 { large["extra_\(i)"] = .integer(JSONInteger(i)) }
        try agree(large, "large top level")
        try agree(replacing("name", with: .integer(JSONInteger(1)), in: large), "large top level, bad name")
        // Escaped characters in strings whose content is not compared change nothing.
        try agree(replacing("name", with: .string("line\n\"two\""), in: large), "escaped name")
    }

    @Test func versionsAndIDs() throws {
        for (value, accepted) in [(JSONValue.integer(JSONInteger(1)), true), (.integer(JSONInteger(0)), false), (.integer(JSONInteger(2)), false),
                                  (.integer(JSONInteger(-1)), false), (.float(1.0), false), (.string("1"), false),
                                  (.integer(JSONInteger(isNegative: false, digits: "100000000000000000000") ?? JSONInteger(0)), false)] {
            let result = try agree(replacing("version", with: value), "version \(value)")
            #expect(((try? result.get()) != nil) == accepted, "version \(value)")
        }
        for text in [Self.id.uppercased(), "5f0c6a52-1b7e-1c1e-9a3b-0d2f6e8a9b10", "../x", ""] {
            let result = try agree(replacing("id", with: .string(text)), "id \(text)")
            #expect((try? result.get()) == nil, "id \(text)")
        }
    }

    /// The decoder-side reasons, pinned: they are what `StoreError.schema` and the audit report.
    @Test func theFirstBrokenRuleInTableOrderIsTheError() throws {
        let message = Self.message, todo = Self.todo
        let cases: [(JSONObject, String)] = [
            (replacing("version", with: nil), "/version: missing or not an integer"),
            (replacing("version", with: .integer(JSONInteger(0))), "/version: must be at least 1"),
            (replacing("version", with: .integer(JSONInteger(2))), "/version: version 2 is not supported"),
            (replacing("id", with: .string("X")), "/id: missing or not a lower-case UUID v4"),
            (replacing("name", with: nil), "/name: missing or not a string"),
            (replacing("updated_at", with: .null), "/updated_at: missing or not a string"),
            (replacing("closed_at", with: .integer(JSONInteger(1))), "/closed_at: not a string"),
            (replacing("language", with: .array([])), "/language: not a string"),
            (replacing("config", with: .array([])), "/config: missing or not an object"),
            (replacing("cumulative_usage", with: .string("x")), "/cumulative_usage: not an object"),
            (replacing("prompt_history", with: .object(JSONObject())), "/prompt_history: not an array"),
            (replacing("prompt_history", with: .array([.string("a"), .integer(JSONInteger(1))])), "/prompt_history/1: not a string"),
            (replacing("conversation", with: nil), "/conversation: missing or not an array"),
            (withRecord("conversation", .integer(JSONInteger(1))), "/conversation/0: not an object"),
            (withRecord("conversation", .object(replacing("id", with: nil, in: message))), "/conversation/0/id: missing or not a string"),
            (withRecord("conversation", .object(replacing("timestamp", with: .null, in: message))), "/conversation/0/timestamp: missing or not a string"),
            (withRecord("conversation", .object(replacing("role", with: .string("bot"), in: message))),
             "/conversation/0/role: must be one of user, assistant, system, tool"),
            (withRecord("conversation", .object(replacing("role", with: nil, in: message))),
             "/conversation/0/role: must be one of user, assistant, system, tool"),
            (replacing("todos", with: .string("x")), "/todos: missing or not an array"),
            (withRecord("todos", .object(replacing("active_form", with: nil, in: todo))), "/todos/0/active_form: missing or not a string"),
            (withRecord("todos", .object(replacing("status", with: .string("done"), in: todo))),
             "/todos/0/status: must be one of pending, in_progress, completed"),
            // Table order: the version before the id, the conversation's messages before `todos`, a
            // message's strings before its role.
            (replacing("id", with: nil, in: replacing("version", with: nil)), "/version: missing or not an integer"),
            (replacing("todos", with: nil, in: withRecord("conversation", .null)), "/conversation/0: not an object"),
            (withRecord("conversation", .object(replacing("content", with: nil, in: replacing("role", with: .null, in: message)))),
             "/conversation/0/content: missing or not a string"),
        ]
        for (object, expected) in cases {
            switch try agree(object, expected) {
            case .success: Issue.record("accepted; expected \(expected)")
            case let .failure(error): #expect(error.description == expected)
            }
        }
    }

    /// With `unchangedFrom`, messages that are the accepted document's own values are not walked
    /// again (an append is checked for its new messages), and every other one still is: a changed
    /// message in the middle, or one beyond the accepted count, is refused with its pointer.
    @Test func aDocumentExtendingAnAcceptedOneIsCheckedForWhatChanged() throws {
        var accepted = Self.base
        accepted["conversation"] = .array([.object(Self.message), .object(Self.message)])
        _ = try SessionSchema.validate(accepted)
        var bad = Self.message
        bad["role"] = .string("wizard")
        var appended = accepted
        appended.modifyValue(forKey: "conversation") { $0.appendElement(.object(bad)) }
        #expect(throws: SchemaError(pointer: "/conversation/2/role", reason: "must be one of \(SessionSchema.roles.joined(separator: ", "))")) {
            try SessionSchema.validate(appended, unchangedFrom: accepted)
        }
        var edited = accepted
        edited["conversation"] = .array([.object(Self.message), .object(bad)])
        #expect(throws: SchemaError.self) { try SessionSchema.validate(edited, unchangedFrom: accepted) }
        // A message held in the very storage of the accepted document's is not walked again: here
        // the "accepted" document is made to hold one the schema refuses, to observe the skip.
        var planted = accepted
        planted["conversation"] = .array([.object(Self.message), .object(bad)])
        var sharing = planted
        sharing["name"] = .string("other")
        #expect(try SessionSchema.validate(sharing, unchangedFrom: planted).rawValue == Self.id)
        #expect(throws: SchemaError.self) { try SessionSchema.validate(sharing) }
    }
}
