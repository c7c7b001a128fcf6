import Foundation
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit
@testable import JidoAuditCLI
import JidoCommandLine

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

    static let verbose = TextOptions(minSeverity: .note, verbose: true, quiet: false, color: false)

    @Test func textGroupsBySeverityThenRuleWithFixesAndSummary() throws {
        let text = TextRenderer.render(Self.fullReport(), options: Self.verbose)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "jido-audit: home \(Self.home), no usable secret (signatures not verified)")
        let errors = lines.firstIndex { $0.hasPrefix("Errors (") } ?? -1
        let warnings = lines.firstIndex { $0.hasPrefix("Warnings (") } ?? -1
        let notes = lines.firstIndex { $0.hasPrefix("Notes (") } ?? -1
        #expect(2 == errors && errors < warnings && warnings < notes, "errors, then warnings, then notes")
        #expect(lines[errors] == "Errors (\(Self.expectedCount(.error)))")
        var previous = -1
        for rule in Rules.all.sorted(by: { ($0.severity, $1.id) > ($1.severity, $0.id) }) {
            let count = rule == Rules.strayFile || rule == Rules.baselineUnusable ? 2 : 1
            let index = lines.firstIndex(of: "  \(rule.id) \(rule.name) (\(count))") ?? -1
            let (from, to) = switch rule.severity {
            case .error: (errors, warnings)
            case .warning: (warnings, notes)
            case .note: (notes, lines.count)
            }
            #expect(from < index && index < to && index > previous, "\(rule.id) under its severity heading, in id order")
            previous = index
            try #require(index > 0 && index + count + 1 < lines.count)
            #expect(lines.dropFirst(index + 1).prefix(count + 1).contains("    " + Self.path(for: rule) + ": message of \(rule.id)"))
            #expect(lines[index + count + 1] == "    fix: " + rule.help)
        }
        let summary = "jido-audit: \(Self.expectedCount(.error)) errors, \(Self.expectedCount(.warning)) warnings, "
            + "\(Self.expectedCount(.note)) notes in 24 session files (7.2 MB, 0.31 s); verdicts: 16 valid, 4 invalid, 4 unsigned"
        #expect(lines.suffix(2) == [summary, ""])
    }

    /// The header names the secret's source only when it is not the store's own.
    @Test func theHeaderNamesHomeHostnameAndTheSecretsFingerprint() {
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        report.hostname = "devbox"
        #expect(TextRenderer.header(report) == "jido-audit: home /h, hostname \"devbox\", no usable secret (signatures not verified)")
        report.secretFingerprint = "0123456789abcdef"
        report.secretFile = "/h/.jido_code/machine_secret"
        #expect(TextRenderer.header(report) == "jido-audit: home /h, hostname \"devbox\", secret fingerprint 0123456789abcdef")
        report.secretFile = "/backup/secret\u{1B}[2J"
        #expect(TextRenderer.header(report)
            == "jido-audit: home /h, hostname \"devbox\", secret fingerprint 0123456789abcdef (--secret-file /backup/secret\\x1B[2J)")
    }

    /// Without --verbose a rule shows its first paths and how many more there are.
    @Test func aRuleListsItsFirstPathsThenCountsTheRest() {
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        for n in 0..<8 { report.add(Rules.signatureInvalid, "/h/.jido_code/sessions/\(n).json", "mismatch") }
        let text = TextRenderer.render(report, options: TextOptions())
        let paths = (0..<5).map { "    /h/.jido_code/sessions/\($0).json: mismatch\n" }.joined()
        #expect(text.contains("Errors (8)\n  JG030 signature-invalid (8)\n" + paths
            + "    ... and 3 more (--verbose lists them all)\n    fix: \(Rules.signatureInvalid.help)\n\n"), "\(text)")
        #expect(TextRenderer.render(report, options: Self.verbose).contains("sessions/7.json: mismatch\n    fix: "))
    }

    @Test func textWithoutColorHasNoEscapesAndNeutralizesHostileNames() {
        let text = TextRenderer.render(Self.fullReport(), options: Self.verbose)
        #expect(!text.contains("\u{1B}"))
        #expect(!text.contains("\u{202E}"))
        #expect(text.contains("/sessions/evil\\x1B[31m\\x0Aname\\u{202E}txt.json: stray \\x1B]0;title\\x07 entry"))
    }

    @Test func textWithColorUsesSeverityColoursButStillEscapesNames() {
        var options = Self.verbose
        options.color = true
        let text = TextRenderer.render(Self.fullReport(), options: options)
        #expect(text.contains("\u{1B}[1;31mErrors ("))
        #expect(text.contains("\u{1B}[1;33mWarnings ("))
        #expect(text.contains("\u{1B}[1;36mNotes ("))
        #expect(text.contains("  \u{1B}[31mJG030 signature-invalid\u{1B}[0m (1)"))
        #expect(text.contains("\u{1B}[1mjido-audit: "))
        #expect(!text.contains("evil\u{1B}") && text.contains("evil\\x1B[31m"))
    }

    @Test func cleanReportSaysNoFindings() {
        var report = AuditReport(home: Self.home, dataDirectory: Self.data)
        let quiet = TextOptions(quiet: true)
        #expect(TextRenderer.render(report, options: TextOptions())
            == "jido-audit: home \(Self.home), no usable secret (signatures not verified)\n\njido-audit: no findings in 0 session files (0 B, 0.00 s)\n")
        report.sessionFiles = 1
        report.bytesRead = 999_999
        report.duration = 12.345
        report.verdicts = [.valid: 1]
        #expect(TextRenderer.render(report, options: quiet)
            == "jido-audit: no findings in 1 session file (1.0 MB, 12.35 s); verdicts: 1 valid\n")
        report.add(Rules.secretMissing, Self.data + "/machine_secret", "does not exist")
        #expect(TextRenderer.summary(report).hasPrefix("jido-audit: 0 errors, 1 warning, 0 notes in 1 session file"))
    }

    @Test func byteCounts() {
        let cases: [(Int, String)] = [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (1049, "1.0 kB"), (1050, "1.1 kB"),
                                      (999_949, "999.9 kB"), (999_950, "1.0 MB"), (7_200_000, "7.2 MB"), (3_000_000_000, "3.0 GB")]
        for (bytes, text) in cases { #expect(TextRenderer.byteCount(bytes) == text, "\(bytes)") }
    }

    /// `--color` decides when given; `auto` follows the terminal, NO_COLOR (no-color.org: non-empty disables) and
    /// FORCE_COLOR (force-color.org: non-empty and not 0 forces), never colours a file (`--output`).
    @Test func colourChoices() {
        func color(_ choice: ColorChoice, terminal: Bool = true, toFile: Bool = false, _ environment: [String: String] = [:]) -> Bool {
            TextRenderer.useColor(choice, io: CommandIO(environment: environment, writeOut: { _ in }, writeErr: { _ in },
                                                        stdoutIsTerminal: terminal), toFile: toFile)
        }
        #expect(color(.auto, ["TERM": "xterm-256color"]))
        #expect(color(.auto))
        #expect(!color(.auto, terminal: false, ["TERM": "xterm-256color"]))
        #expect(!color(.auto, ["NO_COLOR": "1"]))
        #expect(color(.auto, ["NO_COLOR": ""]), "no-color.org: only a non-empty NO_COLOR disables colour")
        #expect(!color(.auto, ["TERM": "dumb"]))
        #expect(color(.auto, terminal: false, ["FORCE_COLOR": "1"]))
        #expect(color(.auto, terminal: false, ["FORCE_COLOR": "true", "TERM": "dumb"]))
        #expect(!color(.auto, terminal: false, ["FORCE_COLOR": "0"]), "FORCE_COLOR=0 forces nothing")
        #expect(!color(.auto, terminal: false, ["FORCE_COLOR": ""]))
        #expect(color(.auto, terminal: false, ["FORCE_COLOR": "1", "NO_COLOR": "1"]), "force-color.org's reference checks FORCE_COLOR last")
        #expect(!color(.auto, ["FORCE_COLOR": "0", "NO_COLOR": "1"]))
        #expect(!color(.auto, toFile: true), "never into a file")
        #expect(!color(.auto, toFile: true, ["FORCE_COLOR": "1"]))
        #expect(color(.always, terminal: false, toFile: true, ["NO_COLOR": "1", "TERM": "dumb"]), "an explicit --color beats the environment")
        #expect(!color(.never, ["FORCE_COLOR": "1"]))
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
        let all = object["findings"] as? [[String: Any]] ?? []
        #expect(all.allSatisfy { $0["suppressed"] is NSNull })
        let findings = all.map { $0.compactMapValues { $0 as? String } }
        #expect(findings.count == report.findings.count)
        #expect(findings.map { $0["rule_id"] ?? "" } == report.sortedFindings.map(\.rule.id))
        #expect(Set(all.flatMap(\.keys)) == ["rule_id", "rule_name", "severity", "path", "path_base64", "message", "fix", "suppressed"])
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

        let text = TextRenderer.render(report, options: Self.verbose)
        #expect(text.contains("    " + shownHome + "/.jido_code/sessions/\\x80\\x1B: name is not valid UTF-8; never opened\n"))
        #expect(text.contains("    " + shownHome + "/.jido_code: mode 0755\n"))

        let object = try jsonObject(JSONReportRenderer.render(report))
        #expect(object["home"] as? String == shownHome)
        for (field, bytes) in [("home", home.bytes), ("data_directory", data.bytes)] {
            #expect((object[field] as? String).flatMap(displayTextBytes) == bytes, "\(field)")
            #expect((object[field + "_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == bytes, "\(field)")
        }
        let findings = object["findings"] as? [[String: Any]] ?? []
        let shown = findings.map { ($0["path"] as? String).flatMap(displayTextBytes) }
        #expect(Set(shown) == [data.bytes, stray.bytes])
        #expect(findings.map { ($0["path_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } } == shown)

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
        #expect((object["findings"] as? [[String: Any]])?.map { $0["path"] as? String ?? "" }
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
            let properties = descriptor["properties"] as? [String: Any] ?? [:]
            #expect(properties["tags"] as? [String] == ["security"])
            let expectedSeverity = ["error": "8.0", "warning": "5.0", "note": "2.0"][rule.severity.rawValue]
            #expect(properties["security-severity"] as? String == expectedSeverity, "\(rule.id)")
            #expect(descriptor["helpUri"] as? String == "\(SARIFRenderer.readmeURI)#\(rule.id.lowercased())")
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
        let fingerprints = results.map { ($0["partialFingerprints"] as? [String: String])?[SARIFRenderer.fingerprintKey] ?? "" }
        #expect(fingerprints.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(fingerprints).count == fingerprints.count, "one fingerprint per result")
    }

    /// `jidoAudit/v1` is SHA-256 of rule id, NUL, the path relative to the data directory, NUL, the rank among the
    /// findings of that rule and path: two findings of one rule on one file differ, and nothing else counts.
    @Test func sarifFingerprintIsTheDocumentedHash() throws {
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        report.add(Rules.duplicateKeys, "/h/.jido_code/sessions/a.json", "key /name occurs more than once")
        report.add(Rules.duplicateKeys, "/h/.jido_code/sessions/a.json", "key /id occurs more than once")
        report.add(Rules.directoryReadableByOthers, "/h/.jido_code", "mode 0755")
        report.add(Rules.ancestorWorldWritable, "/h", "mode 0777")
        let results = (try jsonObject(SARIFRenderer.render(report, workingDirectory: "/"))["runs"] as? [[String: Any]])?.first?["results"]
            as? [[String: Any]] ?? []
        let fingerprints = results.map { ($0["partialFingerprints"] as? [String: String])?["jidoAudit/v1"] ?? "" }
        func hash(_ text: String) throws -> String { Hex.lowercase(try SHA256.hash(Array(text.utf8))) }
        // Errors first, then by path: JG033 twice, JG007 on /h, JG005 on the data directory.
        #expect(fingerprints == [try hash("JG033\0sessions/a.json\00"), try hash("JG033\0sessions/a.json\01"),
                                 try hash("JG007\0/h\00"), try hash("JG005\0.\00")])
        // Another home holding the same store: the same fingerprints (they do not depend on where the store is).
        var moved = AuditReport(home: "/elsewhere", dataDirectory: "/elsewhere/.jido_code")
        moved.add(Rules.duplicateKeys, "/elsewhere/.jido_code/sessions/a.json", "key /name occurs more than once")
        let movedResults = (try jsonObject(SARIFRenderer.render(moved, workingDirectory: "/"))["runs"] as? [[String: Any]])?.first?["results"]
            as? [[String: Any]] ?? []
        #expect((movedResults.first?["partialFingerprints"] as? [String: String])?["jidoAudit/v1"] == fingerprints.first)
    }

    /// Every rule's `helpUri` ends in an anchor that README.md defines exactly once (its row of the rules table).
    @Test func everyHelpURIAnchorExistsInTheReadme() throws {
        let readme = try String(contentsOf: TestVectors.repositoryRoot().appendingPathComponent("README.md"), encoding: .utf8)
        for rule in Rules.all {
            let uri = SARIFRenderer.helpURI(rule)
            let parts = uri.split(separator: "#", omittingEmptySubsequences: false)
            try #require(parts.count == 2 && String(parts[0]) == SARIFRenderer.readmeURI, "\(uri)")
            let anchor = "<a id=\"\(parts[1])\"></a>"
            #expect(readme.components(separatedBy: anchor).count == 2, "README.md must define \(anchor) once (\(rule.id))")
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
        let outcome = try validateWithJSONSchema(#"{"version": "2.1.0", "runs": [{"results": []}]}"#, schema: JSONSchemaFile.sarif)
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
