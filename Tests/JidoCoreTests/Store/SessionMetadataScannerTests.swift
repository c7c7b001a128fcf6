import JidoCore
import Testing

/// What the metadata scanner reads is what the decoder reads: the first occurrence of each key.
@Suite struct SessionMetadataScannerTests {
    static let id = "3d8e4f1a-2b7c-4c9d-8e1f-0a1b2c3d4e5f"

    func scan(_ text: String) throws -> SessionMetadata? {
        SessionMetadataScanner.scan(Array(text.utf8), expected: try #require(SessionID(Self.id)))
    }

    @Test func theFirstOccurrenceWins() throws {
        let metadata = try scan(#"{"id":"\#(Self.id)","name":"first","project_path":"/p","name":"second","closed_at":"2026-01-01T00:00:00Z","closed_at":"2027-01-01T00:00:00Z"}"#)
        #expect(metadata?.name == "first" && metadata?.closedAt == ISO8601.date("2026-01-01T00:00:00Z"))
    }

    /// A first occurrence that is not a string is not replaced by a later string (found by the
    /// `session` fuzz check; Corpus/regressions/session-metadata-scanner-read-a-later-duplicate.json).
    @Test func aLaterDuplicateNeverStandsInForTheFirst() throws {
        #expect(try scan(#"{"id":"\#(Self.id)","name":1,"name":"listed","project_path":"/p"}"#) == nil)
        let closed = try scan(#"{"id":"\#(Self.id)","name":"n","project_path":"/p","closed_at":null,"closed_at":"2000-01-01T00:00:00Z"}"#)
        #expect(closed != nil && closed?.closedAt == nil)
        #expect(try scan(#"{"id":7,"id":"\#(Self.id)","name":"n","project_path":"/p"}"#) == nil)
    }
}
