import Testing
@testable import JidoCore

@Suite struct KeyAmbiguityTests {
    func object(_ pairs: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(pairs)) }

    @Test func canonicallyEquivalentAndBOMPrefixedKeysAreFound() {
        let value = object([
            ("name", .string("a")),
            ("config", object([("caf\u{E9}", .integer(JSONInteger(1))), ("cafe\u{301}", .integer(JSONInteger(2)))])),
            ("list", .array([.null, object([("\u{FEFF}role", .string("x")), ("role", .string("y")), ("a/b~", .null)])])),
        ])
        #expect(KeyAmbiguity.ambiguousKeys(in: value) == ["/config/cafe\u{301}", "/list/1/role"])
    }

    @Test func distinctKeysAreNotAmbiguous() {
        let value = object([("caf\u{E9}", .null), ("cafe", .null), ("Caf\u{E9}", .null), ("\u{FEFF}", .null), ("x", .null),
                            ("nested", object([("\u{E9}", .null)]))])
        #expect(KeyAmbiguity.ambiguousKeys(in: value).isEmpty)
        #expect(KeyAmbiguity.ambiguousKeys(in: object([("a", .null), ("b", .null)])).isEmpty)
    }

    @Test func theSchemaPassFlagsNonASCIIKeysOnly() throws {
        var session = Session.new(id: try SessionID.random(), name: "n\u{E9}", projectPath: "/p", createdAt: "2026-01-01T00:00:00Z")
        let ascii = try CanonicalJSON.encode(.object(session.document))
        #expect(SessionSchemaScanner.scan(ascii)?.hasNonASCIIKeys == false, "non-ASCII values do not count")
        session.set("caf\u{E9}", to: "x")
        let accented = try CanonicalJSON.encode(.object(session.document))
        #expect(SessionSchemaScanner.scan(accented)?.hasNonASCIIKeys == true)
    }
}
