import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// `Session`'s typed members: timestamps as `Date` written as JidoCode writes them, a new session
/// open, `updated_at` kept current, closed sets as enums, and no way to make a session invalid.
@Suite struct SessionTests {
    static let id = SessionID("6f1c7c4e-0c1a-4d8e-9b5a-2f3e4d5c6b7a")

    func newSession(at date: Date = TestVectors.january1) throws -> Session {
        Session(id: try #require(Self.id), name: "n", projectPath: "/p", createdAt: date)
    }

    /// A new session is not closed; created and updated at its creation time, in JidoCode's form
    /// (`DateTime.utc_now() |> DateTime.to_iso8601()`: UTC, six fractional digits).
    @Test func aNewSessionIsOpenWithJidoCodesTimestamps() throws {
        let created = try #require(ISO8601.date("2026-01-02T03:04:05.123456Z"))
        let session = try newSession(at: created)
        #expect(session.closedAt == nil)
        #expect(session.document["closed_at"] == nil)
        #expect(session.document["created_at"] == .string("2026-01-02T03:04:05.123456Z"))
        #expect(session.document["updated_at"] == .string("2026-01-02T03:04:05.123456Z"))
        #expect(session.createdAt == created && session.updatedAt == created)
        #expect(try Session(document: session.document) == session, "valid by construction")
    }

    @Test func appendMovesUpdatedAtForwardOnly() throws {
        var session = try newSession()
        let later = TestVectors.january1.addingTimeInterval(90.5)
        session.append(Session.Message(id: "m1", role: .user, content: "hi", timestamp: later))
        #expect(session.document["updated_at"] == .string("2026-01-01T00:01:30.500000Z"))
        session.append(Session.Message(id: "m0", role: .assistant, content: "older", timestamp: TestVectors.january1))
        #expect(session.updatedAt == later, "an older message does not move it back")
        #expect(session.conversation.map(\.role) == [.user, .assistant])
        #expect(session.conversation.first?.timestamp == later)
    }

    @Test func closingAndReopening() throws {
        var session = try newSession()
        let closed = TestVectors.january1.addingTimeInterval(3_600)
        session.closedAt = closed
        #expect(session.document["closed_at"] == .string("2026-01-01T01:00:00.000000Z"))
        #expect(session.closedAt == closed)
        session.closedAt = nil
        #expect(session.document["closed_at"] == nil)
    }

    /// The closed sets are exactly JidoCode's (`Schema.validate_message/1`, `validate_todo/1`).
    @Test func rolesAndStatusesAreJidoCodesClosedSets() throws {
        #expect(Session.Message.Role.allCases.map(\.rawValue) == ["user", "assistant", "system", "tool"])
        #expect(Session.Todo.Status.allCases.map(\.rawValue) == ["pending", "in_progress", "completed"])
        var session = try newSession()
        session.todos = [Session.Todo(content: "Run tests", activeForm: "Running tests", status: .inProgress)]
        #expect(session.todos.map(\.status) == [.inProgress])
        #expect(try Session(document: session.document).todos == session.todos)
    }

    /// Records with extra members are checked against the schema's record rules.
    @Test func messagesAndTodosFromObjectsAreValidated() throws {
        let message = JSONObject([("id", .string("m")), ("role", .string("tool")), ("content", .string("c")),
                                  ("timestamp", .string("2026-01-01T00:00:00Z")), ("usage", .object(JSONObject()))])
        #expect(try Session.Message(validating: message).role == .tool)
        var bot = message
        bot["role"] = .string("bot")
        #expect(throws: SchemaError(pointer: "/role", reason: "must be one of user, assistant, system, tool")) {
            try Session.Message(validating: bot)
        }
        let todo = JSONObject([("content", .string("c")), ("active_form", .string("a"))])
        #expect(throws: SchemaError(pointer: "/status", reason: "must be one of pending, in_progress, completed")) {
            try Session.Todo(validating: todo)
        }
    }
}
