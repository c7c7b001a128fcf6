import Foundation
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit
@testable import JidoAuditCLI

/// The three report formats: grouping and colour for people, the JSON schema, SARIF 2.1.0 validity and URIs.
@Suite struct RenderTests {
    static let home = "/tmp/jido home/Ünïcödé ✓"
    static let data = home + "/.jido_code"
    static let hostile = data + "/sessions/evil\u{1B}[31m\nname\u{202E}txt.json"
    static let relativeBaseline = "relative dir/bäse #1.json"
    static let workingDirectory = "/work dir/ça"

    /// One finding of every rule (inside home, home itself, an ancestor, a file elsewhere), plus a hostile
    /// file name and a relative baseline path.
    static func fullReport() -> AuditReport {
        var report = AuditReport(home: home, dataDirectory: data)
        for rule in Rules.all { report.add(rule, path(for: rule), "message of \(rule.id)") }
        report.add(Rules.strayFile, hostile, "stray \u{1B}]0;title\u{07} entry")
        report.add(Rules.baselineUnusable, relativeBaseline, "not a baseline")
        report.sessionFiles = 24
        report.bytesRead = 7_200_000
        report.duration = 0.31
        report.verdicts = [.valid: 16, .invalid: 4, .unsigned: 4]
        return report
    }

    static func path(for rule: Rule) -> String {
        switch rule.id {
        case "JG001": data
        case "JG002", "JG003", "JG004", "JG005": data + "/sessions"
        case "JG006": home
        case "JG007": "/tmp"
        case _ where rule.id.hasPrefix("JG01"): data + "/machine_secret"
        case "JG066": "/srv/base line/100% #?.json"
        default: data + "/sessions/\(rule.id.lowercased()) é #1?q=%41.json"
        }
    }

    static func expectedCount(_ severity: Severity) -> Int {
        fullReport().findings.filter { $0.severity == severity }.count
    }

    // MARK: Text

    @Test func textGroupsBySeverityWithFixesAndSummary() {
        let text = TextRenderer.render(Self.fullReport(), color: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let errors = lines.firstIndex { $0.hasPrefix("Errors (") } ?? -1
        let warnings = lines.firstIndex { $0.hasPrefix("Warnings (") } ?? -1
        let notes = lines.firstIndex { $0.hasPrefix("Notes (") } ?? -1
        #expect(0 == errors && errors < warnings && warnings < notes, "errors, then warnings, then notes")
        #expect(lines[errors] == "Errors (\(Self.expectedCount(.error)))")
        for rule in Rules.all {
            let index = lines.firstIndex(of: "  \(rule.id) \(rule.name): " + Self.path(for: rule)) ?? -1
            let (from, to) = switch rule.severity {
            case .error: (errors, warnings)
            case .warning: (warnings, notes)
            case .note: (notes, lines.count)
            }
            #expect(from < index && index < to, "\(rule.id) under its severity heading")
            #expect(index > 0 && index + 2 < lines.count && lines[index + 1] == "    message of \(rule.id)"
                && lines[index + 2] == "    fix: " + rule.help)
        }
        let summary = "jido-audit: \(Self.expectedCount(.error)) errors, \(Self.expectedCount(.warning)) warnings, "
            + "\(Self.expectedCount(.note)) notes in 24 session files (7.2 MB, 0.31 s); verdicts: 16 valid, 4 invalid, 4 unsigned"
        #expect(lines.suffix(2) == [summary, ""])
    }

    @Test func textWithoutColorHasNoEscapesAndNeutralizesHostileNames() {
        let text = TextRenderer.render(Self.fullReport(), color: false)
        #expect(!text.contains("\u{1B}"))
        #expect(!text.contains("\u{202E}"))
        #expect(text.contains("/sessions/evil\\x1B[31m\\x0Aname\\u{202E}txt.json"))
        #expect(text.contains("    stray \\x1B]0;title\\x07 entry"))
    }

    @Test func textWithColorUsesSeverityColoursButStillEscapesNames() {
        let text = TextRenderer.render(Self.fullReport(), color: true)
        #expect(text.contains("\u{1B}[1;31mErrors ("))
        #expect(text.contains("\u{1B}[1;33mWarnings ("))
        #expect(text.contains("\u{1B}[1;36mNotes ("))
        #expect(text.contains("  \u{1B}[31mJG030 signature-invalid\u{1B}[0m: "))
        #expect(text.contains("\u{1B}[1mjido-audit: "))
        #expect(!text.contains("evil\u{1B}") && text.contains("evil\\x1B[31m"))
    }

    @Test func cleanReportSaysNoFindings() {
        var report = AuditReport(home: Self.home, dataDirectory: Self.data)
        #expect(TextRenderer.render(report, color: false) == "jido-audit: no findings in 0 session files (0 B, 0.00 s)\n")
        report.sessionFiles = 1
        report.bytesRead = 999_999
        report.duration = 12.345
        report.verdicts = [.valid: 1]
        #expect(TextRenderer.render(report, color: false)
            == "jido-audit: no findings in 1 session file (1.0 MB, 12.35 s); verdicts: 1 valid\n")
        report.add(Rules.secretMissing, Self.data + "/machine_secret", "does not exist")
        #expect(TextRenderer.summary(report).hasPrefix("jido-audit: 0 errors, 1 warning, 0 notes in 1 session file"))
    }

    @Test func byteCounts() {
        let cases: [(Int, String)] = [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1049, "1.0 kB"), (1050, "1.1 kB"),
                                      (999_949, "999.9 kB"), (999_950, "1.0 MB"), (7_200_000, "7.2 MB"), (3_000_000_000, "3.0 GB")]
        for (bytes, text) in cases { #expect(TextRenderer.byteCount(bytes) == text, "\(bytes)") }
    }

    @Test func colourOnlyOnATerminalWithoutNoColorOrDumbTerm() {
        func io(_ terminal: Bool, _ environment: [String: String]) -> CommandIO {
            CommandIO(environment: environment, writeOut: { _ in }, writeErr: { _ in }, stdoutIsTerminal: terminal)
        }
        #expect(TextRenderer.useColor(io: io(true, ["TERM": "xterm-256color"])))
        #expect(TextRenderer.useColor(io: io(true, [:])))
        #expect(!TextRenderer.useColor(io: io(false, ["TERM": "xterm-256color"])))
        #expect(!TextRenderer.useColor(io: io(true, ["NO_COLOR": "1"])))
        #expect(TextRenderer.useColor(io: io(true, ["NO_COLOR": ""])), "no-color.org: only a non-empty NO_COLOR disables colour")
        #expect(!TextRenderer.useColor(io: io(true, ["TERM": "dumb"])))
    }

    // MARK: JSON

    @Test func jsonFollowsTheDocumentedSchema() throws {
        let report = Self.fullReport()
        let object = try jsonObject(JSONReportRenderer.render(report))
        #expect(object["schema_version"] as? Int == AuditReport.schemaVersion)
        #expect(object["tool"] as? [String: String] == ["name": "jido-audit", "version": JidoCore.version])
        #expect(object["home"] as? String == Self.home)
        #expect(object["data_directory"] as? String == Self.data)
        let summary = object["summary"] as? [String: Any] ?? [:]
        #expect(summary["errors"] as? Int == Self.expectedCount(.error))
        #expect(summary["warnings"] as? Int == Self.expectedCount(.warning))
        #expect(summary["notes"] as? Int == Self.expectedCount(.note))
        #expect(summary["session_files"] as? Int == 24)
        #expect(summary["bytes_read"] as? Int == 7_200_000)
        #expect(summary["duration_seconds"] as? Double == 0.31)
        #expect(summary["verdicts"] as? [String: Int] == ["valid": 16, "invalid": 4, "unsigned": 4, "null-signature": 0, "malformed": 0, "undecodable": 0])
        let findings = object["findings"] as? [[String: String]] ?? []
        #expect(findings.count == report.findings.count)
        #expect(findings.map { $0["rule_id"] ?? "" } == report.sortedFindings.map(\.rule.id))
        #expect(Set(findings.flatMap(\.keys)) == ["rule_id", "rule_name", "severity", "path", "path_base64", "message", "fix"])
        // Names and messages are escaped the one documented way in every output (DisplayText).
        let hostile = findings.first { $0["path"] == DisplayText.escape(Self.hostile) }
        #expect(hostile?["message"] == "stray \\x1B]0;title\\x07 entry")
        #expect(hostile?["fix"] == Rules.strayFile.help)
        let rules = object["rules"] as? [[String: String]] ?? []
        #expect(rules.map { $0["id"] ?? "" } == Rules.all.map(\.id))
        #expect(rules.first == ["id": "JG001", "name": Rules.dataDirectoryMissing.name, "severity": "note",
                                "summary": Rules.dataDirectoryMissing.summary, "help": Rules.dataDirectoryMissing.help])
    }

    /// A home that is not UTF-8, a name with a backslash, a C1 control and bytes that are not UTF-8:
    /// every format prints them the one reversible way; JSON also gives the exact bytes (base64).
    @Test func pathsThatAreNotUTF8ArePrintedReversiblyInEveryFormat() throws {
        let home = PathBytes(bytes: pathBytes("/tmp/h", [0xFF, 0x5C, 0xC2, 0x85]))
        let data = home.appending(".jido_code")
        let stray = data.appending("sessions").appending(PathBytes(bytes: [0x80, 0x1B]))
        var report = AuditReport(home: home, dataDirectory: data)
        report.add(Rules.strayFile, stray, "name is not valid UTF-8; never opened")
        report.add(Rules.directoryReadableByOthers, data, "mode 0755")
        let shownHome = "/tmp/h\\xFF\\\\\\u{85}"

        let text = TextRenderer.render(report, color: false)
        #expect(text.contains(": " + shownHome + "/.jido_code/sessions/\\x80\\x1B\n") && text.contains(": " + shownHome + "/.jido_code\n"))

        let object = try jsonObject(JSONReportRenderer.render(report))
        #expect(object["home"] as? String == shownHome)
        for (field, bytes) in [("home", home.bytes), ("data_directory", data.bytes)] {
            #expect((object[field] as? String).flatMap(displayTextBytes) == bytes, "\(field)")
            #expect((object[field + "_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == bytes, "\(field)")
        }
        let findings = object["findings"] as? [[String: String]] ?? []
        let shown = findings.map { $0["path"].flatMap(displayTextBytes) }
        #expect(Set(shown) == [data.bytes, stray.bytes])
        #expect(findings.map { $0["path_base64"].flatMap { Base64.decodeStrict(Array($0.utf8)) } } == shown)

        let sarif = SARIFRenderer.render(report, workingDirectory: "/w")
        try expectValidSARIF(sarif)
        let run = (try jsonObject(sarif)["runs"] as? [[String: Any]])?.first ?? [:]
        let base = ((run["originalUriBaseIds"] as? [String: Any])?["JIDO_HOME"] as? [String: String])?["uri"] ?? ""
        #expect(base == "file:///tmp/h%5CxFF%5C%5C%5Cu%7B85%7D/")
        let uris = (run["results"] as? [[String: Any]] ?? []).compactMap { result in
            (result["locations"] as? [[String: [String: [String: String]]]])?.first?["physicalLocation"]?["artifactLocation"]?["uri"]
        }
        #expect(Set(uris.compactMap { fileURIPath(base + $0).flatMap(displayTextBytes) }) == [data.bytes, stray.bytes])
    }

    @Test func jsonListsOnlyTheRulesThatFired() throws {
        var report = AuditReport(home: Self.home, dataDirectory: Self.data)
        report.add(Rules.signatureInvalid, Self.data + "/sessions/b.json", "mismatch")
        report.add(Rules.secretMissing, Self.data + "/machine_secret", "does not exist")
        report.add(Rules.signatureInvalid, Self.data + "/sessions/a.json", "mismatch")
        let object = try jsonObject(JSONReportRenderer.render(report))
        #expect((object["rules"] as? [[String: String]])?.map { $0["id"] ?? "" } == ["JG010", "JG030"])
        #expect((object["findings"] as? [[String: String]])?.map { $0["path"] ?? "" }
            == [Self.data + "/sessions/a.json", Self.data + "/sessions/b.json", Self.data + "/machine_secret"])
        let empty = try jsonObject(JSONReportRenderer.render(AuditReport(home: "h", dataDirectory: "h/.jido_code")))
        #expect((empty["findings"] as? [Any])?.isEmpty == true && (empty["rules"] as? [Any])?.isEmpty == true)
    }

    // MARK: SARIF

    @Test func sarifIsValidAndComplete() throws {
        let report = Self.fullReport()
        let text = SARIFRenderer.render(report, workingDirectory: Self.workingDirectory)
        try expectValidSARIF(text)
        let object = try jsonObject(text)
        #expect(object["$schema"] as? String == "https://json.schemastore.org/sarif-2.1.0.json")
        #expect(object["version"] as? String == "2.1.0")
        let runs = object["runs"] as? [[String: Any]] ?? []
        try #require(runs.count == 1)
        let run = runs[0]
        let driver = (run["tool"] as? [String: Any])?["driver"] as? [String: Any] ?? [:]
        #expect(driver["name"] as? String == "jido-audit" && driver["version"] as? String == JidoCore.version)
        #expect(driver["informationUri"] == nil)
        let rules = driver["rules"] as? [[String: Any]] ?? []
        #expect(rules.map { $0["id"] as? String ?? "" } == Rules.all.map(\.id))
        for (descriptor, rule) in zip(rules, Rules.all) {
            #expect(descriptor["name"] as? String == rule.name)
            #expect((descriptor["shortDescription"] as? [String: String])?["text"] == rule.summary)
            #expect((descriptor["help"] as? [String: String])?["text"] == rule.help)
            #expect((descriptor["defaultConfiguration"] as? [String: String])?["level"] == rule.severity.rawValue)
            #expect((descriptor["properties"] as? [String: [String]])?["tags"] == ["security"])
        }
        #expect((run["invocations"] as? [[String: Bool]]) == [["executionSuccessful": true]])
        #expect(run["columnKind"] == nil)
        let base = ((run["originalUriBaseIds"] as? [String: Any])?["JIDO_HOME"] as? [String: String])?["uri"]
        #expect(base == "file:///tmp/jido%20home/%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E2%9C%93/")

        let results = run["results"] as? [[String: Any]] ?? []
        let findings = report.sortedFindings
        try #require(results.count == findings.count)
        for (result, finding) in zip(results, findings) {
            let index = result["ruleIndex"] as? Int ?? -1
            #expect(result["ruleId"] as? String == finding.rule.id)
            #expect(Rules.all.indices.contains(index) && Rules.all[index].id == finding.rule.id)
            #expect(result["level"] as? String == finding.severity.rawValue)
            #expect((result["message"] as? [String: String])?["text"] == finding.displayMessage + ". Fix: " + finding.rule.help)
            let locations = result["locations"] as? [[String: [String: [String: String]]]] ?? []
            let artifact = locations.first?["physicalLocation"]?["artifactLocation"] ?? [:]
            let uri = artifact["uri"] ?? ""
            #expect(uri.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._~/%:".contains($0)) }, "\(uri)")
            let absolute: String
            if artifact["uriBaseId"] == "JIDO_HOME" {
                #expect(!uri.hasPrefix("/") && !uri.hasPrefix("file:"))
                absolute = (base ?? "") + uri
            } else {
                #expect(artifact["uriBaseId"] == nil && uri.hasPrefix("file:///"))
                absolute = uri
            }
            let expected = finding.displayPath.hasPrefix("/") ? finding.displayPath : Self.workingDirectory + "/" + finding.displayPath
            #expect(fileURIPath(absolute) == expected, "\(uri)")
            let insideHome = finding.path.hasPrefix(Self.home + "/")
            #expect(insideHome == (artifact["uriBaseId"] == "JIDO_HOME"), "\(finding.path)")
        }
    }

    @Test func sarifOfAnEmptyReportIsValidWithZeroResults() throws {
        let text = SARIFRenderer.render(AuditReport(home: "/", dataDirectory: "/.jido_code"))
        try expectValidSARIF(text)
        let run = (try jsonObject(text)["runs"] as? [[String: Any]])?.first ?? [:]
        #expect((run["results"] as? [Any])?.isEmpty == true)
        let rules = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [Any]
        #expect(rules?.count == Rules.all.count)
        #expect(((run["originalUriBaseIds"] as? [String: Any])?["JIDO_HOME"] as? [String: String])?["uri"] == "file:///")
    }

    @Test func sarifResolvesRelativePathsAgainstTheWorkingDirectory() throws {
        var report = AuditReport(home: "h", dataDirectory: "h/.jido_code")
        report.add(Rules.secretMissing, "h/.jido_code/machine_secret", "does not exist")
        report.add(Rules.baselineUnusable, "./b.json", "not a baseline")
        let run = (try jsonObject(SARIFRenderer.render(report, workingDirectory: "/w"))["runs"] as? [[String: Any]])?.first ?? [:]
        #expect(((run["originalUriBaseIds"] as? [String: Any])?["JIDO_HOME"] as? [String: String])?["uri"] == "file:///w/h/")
        let locations = (run["results"] as? [[String: Any]] ?? []).map { result in
            ((result["locations"] as? [[String: [String: [String: String]]]])?.first?["physicalLocation"]?["artifactLocation"]) ?? [:]
        }
        #expect(locations == [["uri": "file:///w/b.json"], ["uri": ".jido_code/machine_secret", "uriBaseId": "JIDO_HOME"]])
        #expect(SARIFRenderer.render(report) == SARIFRenderer.render(report, workingDirectory: FileManager.default.currentDirectoryPath))
    }

    @Test func sarifMessagesEndTheFindingSentenceBeforeTheFix() {
        #expect(SARIFRenderer.sentence("does not exist") == "does not exist.")
        #expect(SARIFRenderer.sentence("is it a link?") == "is it a link?")
        #expect(SARIFRenderer.sentence("done.") == "done.")
        #expect(SARIFRenderer.sentence("") == "")
    }

    @Test func theSchemaCheckRejectsAnInvalidDocument() throws {
        let outcome = try validateWithJSONSchema(#"{"version": "2.1.0", "runs": [{"results": []}]}"#)
        #expect(outcome.status == 1, "a run without a tool must be rejected: \(outcome.output)")
    }
}

// MARK: Helpers

private func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// The decoded path of a `file:///…` URI (percent-decoding by hand: no platform URL quirks).
private func fileURIPath(_ uri: String) -> String? {
    guard uri.hasPrefix("file:///") else { return nil }
    var bytes: [UInt8] = []
    var input = Array(uri.utf8.dropFirst("file://".utf8.count))[...]
    while let byte = input.popFirst() {
        guard byte == UInt8(ascii: "%") else {
            bytes.append(byte)
            continue
        }
        guard input.count >= 2, let value = UInt8(String(decoding: input.prefix(2), as: UTF8.self), radix: 16) else { return nil }
        bytes.append(value)
        input = input.dropFirst(2)
    }
    var path = String(decoding: bytes, as: UTF8.self)
    if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
}

func expectValidSARIF(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let outcome = try validateWithJSONSchema(text)
    #expect(outcome.status == 0, "SARIF does not validate against the 2.1.0 schema:\n\(outcome.output)", sourceLocation: sourceLocation)
}

/// Validates `document` against the SARIF 2.1.0 schema (a copy in Tests/Fixtures/schemas) (draft-04) with Python's `jsonschema`.
/// Exit status 0 valid, 1 invalid; a missing python3 or jsonschema is a thrown error (a failure, never a skip).
private func validateWithJSONSchema(_ document: String) throws -> (status: Int32, output: String) {
    struct ValidatorUnavailable: Error, CustomStringConvertible { let description: String }
    let schema = TestVectors.fixtures().appendingPathComponent("schemas/sarif-schema-2.1.0.json")
    guard FileManager.default.fileExists(atPath: schema.path) else {
        throw ValidatorUnavailable(description: "SARIF schema not found at \(schema.path)")
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
    jsonschema.Draft4Validator.check_schema(schema)
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(document))
    for error in errors:
        print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message)
    sys.exit(1 if errors else 0)
    """
    return try withTemporaryDirectory { directory in
        let file = directory + "/report.sarif"
        try Data(document.utf8).write(to: URL(fileURLWithPath: file))
        // The `python3` on PATH first; Debian's own, where python3-jsonschema installs, if that one lacks it.
        var missing = "python3 is not on PATH; it is needed (with jsonschema) to validate SARIF"
        for interpreter in ["python3", "/usr/bin/python3"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [interpreter, "-c", script, schema.path, file]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            switch process.terminationStatus {
            case 0, 1: return (process.terminationStatus, text)
            case 127: continue
            case 3: missing = text
            default: throw ValidatorUnavailable(description: "the SARIF validator failed (status \(process.terminationStatus)):\n\(text)")
            }
        }
        throw ValidatorUnavailable(description: missing)
    }
}
