import JidoTestSupport
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

    /// Many ambiguous keys are counted and the first 32 named; deep containers under long keys cost
    /// no pointer unless a key is listed (the walk kept a pointer per queued container: a 100 KB
    /// session cost 800 MB).
    @Test func reportsAreCountedAndBounded() {
        let pairs = (0..<100).flatMap { i in [("caf\u{E9}\(i)", JSONValue.null), ("cafe\u{301}\(i)", JSONValue.null)] }
        let report = KeyAmbiguity.report(in: object(pairs))
        #expect(report.count == 100 && report.pointers.count == JSONPointer.maxReportedKeys)
        #expect(report.pointers.first == "/cafe\u{301}0")
        var deep = object([("caf\u{E9}", .null), ("cafe\u{301}", .null)])
        let key = String(repeating: "k", count: 5_000)
        for _ in 0..<300 { deep = object([(key, deep)]) }
        let nested = KeyAmbiguity.report(in: deep)
        #expect(nested.count == 1)
        #expect(nested.pointers.first.map { $0.hasSuffix("…") && $0.utf8.count <= JSONPointer.maxReportedBytes + 3 } == true)
    }

    @Test func theSchemaPassFlagsNonASCIIKeysOnly() throws {
        var session = Session(id: try SessionID.random(), name: "n\u{E9}", projectPath: "/p", createdAt: TestVectors.january1)
        let ascii = try CanonicalJSON.encode(.object(session.document))
        #expect(SessionSchemaScanner.scan(ascii)?.hasNonASCIIKeys == false, "non-ASCII values do not count")
        try session.set("caf\u{E9}", to: .string("x"))
        let accented = try CanonicalJSON.encode(.object(session.document))
        #expect(SessionSchemaScanner.scan(accented)?.hasNonASCIIKeys == true)
    }
}
