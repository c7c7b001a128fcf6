import Foundation
import JidoTestSupport
import Testing

/// The JSON Schemas `jido-audit`'s documents are checked against: the official SARIF 2.1.0 schema (a copy in
/// Tests/Fixtures/schemas, draft-04) and the repository's own (Sources/JidoAudit/Schemas, draft 2020-12).
enum JSONSchemaFile {
    static var sarif: URL { TestVectors.fixtures().appendingPathComponent("schemas/sarif-schema-2.1.0.json") }
    static var report: URL { TestVectors.repositoryRoot().appendingPathComponent("Sources/JidoAudit/Schemas/audit-report.schema.json") }
    static var baseline: URL { TestVectors.repositoryRoot().appendingPathComponent("Sources/JidoAudit/Schemas/baseline.schema.json") }
}

func expectValidSARIF(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    try expectValid(text, against: JSONSchemaFile.sarif, sourceLocation: sourceLocation)
}

/// Expects `document` to validate against `schema`; the failure lists every violation as `/json/pointer: message`.
func expectValid(_ document: String, against schema: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let outcome = try validateWithJSONSchema(document, schema: schema)
    #expect(outcome.status == 0, "the document does not validate against \(schema.lastPathComponent):\n\(outcome.output)",
            sourceLocation: sourceLocation)
}

/// Validates `document` against `schema` with Python's `jsonschema`, in the draft the schema's `$schema` names
/// (the schema itself is checked first). Exit status 0 valid, 1 invalid; a missing python3 or jsonschema is a
/// thrown error (a failure, never a skip).
func validateWithJSONSchema(_ document: String, schema: URL) throws -> (status: Int32, output: String) {
    struct ValidatorUnavailable: Error, CustomStringConvertible { let description: String }
    guard FileManager.default.fileExists(atPath: schema.path) else {
        throw ValidatorUnavailable(description: "schema not found at \(schema.path)")
    }
    let script = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        sys.stderr.write("the Python package 'jsonschema' is missing (Debian: apt-get install python3-jsonschema)\\n")
        sys.exit(3)
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        document = json.load(f)
    validator = jsonschema.validators.validator_for(schema, default=None)
    if validator is None:
        sys.stderr.write("jsonschema does not know the draft " + str(schema.get("$schema")) + "\\n")
        sys.exit(3)
    validator.check_schema(schema)
    errors = sorted(validator(schema).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message)
    sys.exit(1 if errors else 0)
    """
    return try withTemporaryDirectory { directory in
        let file = directory + "/document.json"
        try Data(document.utf8).write(to: URL(fileURLWithPath: file))
        // The `python3` on PATH first; Debian's own, where python3-jsonschema installs, if that one lacks it.
        var missing = "python3 is not on PATH; it is needed (with jsonschema) to validate JSON documents"
        for interpreter in ["python3", "/usr/bin/python3"] {
            let run = try runProgram("/usr/bin/env", [interpreter, "-c", script, schema.path, file])
            let text = run.stdout + run.stderr
            switch run.status {
            case 0, 1: return (run.status, text)
            case 127: continue
            case 3: missing = text
            default: throw ValidatorUnavailable(description: "the JSON Schema validator failed (status \(run.status)):\n\(text)")
            }
        }
        throw ValidatorUnavailable(description: missing)
    }
}
