import Foundation
import Glibc
import JidoAudit
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAuditCLI

/// The machine-readable contracts: real `jido-audit` documents validate against the JSON Schemas in
/// Sources/JidoAudit/Schemas, and the schemas are strict enough to reject what the tool never writes.
@Suite struct ContractTests {
    static let host = "jido-fixture-host"

    /// JidoCode's `mixed` store (invalid, unsigned, duplicated keys; 0755/0644 modes) plus a stray file, a FIFO
    /// named like a session, a badly named file with a control character, a stale lock, and drift since a
    /// baseline: one session overwritten (no longer signed), one removed, one chmodded, files added. Returns the home and the baseline.
    static func stageStore(_ root: String) throws -> (home: String, baseline: String) {
        let home = try copyVectorStore("mixed", into: root)
        let sessions = home + "/.jido_code/sessions/"
        let baseline = root + "/baseline.json"
        let written = audit(["baseline", "--home", home, "--hostname", host, "--write", baseline])
        try #require(written.status == 0, "\(written.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: sessions).sorted()
        try #require(names.count >= 3)
        try writeFile(sessions + names[0], Array("{}".utf8), mode: 0o644)
        try FileManager.default.removeItem(atPath: sessions + names[1])
        chmod(sessions + names[2], 0o600)
        try writeFile(sessions + "notes.txt", Array("stray".utf8), mode: 0o600)
        try writeFile(sessions + "evil\u{1B}[31m.json", Array("{}".utf8), mode: 0o600)
        #expect(mkfifo(sessions + "11111111-1111-4111-8111-111111111111.json", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: home + "/.jido_code/locks", withIntermediateDirectories: true)
        chmod(home + "/.jido_code/locks", 0o700)
        try writeFile(home + "/.jido_code/locks/22222222-2222-4222-8222-222222222222.lock", [], mode: 0o600)
        return (home, baseline)
    }

    @Test func theReportOfAStoreWithEveryKindOfFindingValidates() throws {
        try withTemporaryDirectory { root in
            let (home, baseline) = try Self.stageStore(root)
            let run = audit(["--home", home, "--hostname", Self.host, "--format", "json", "--baseline", baseline, "--cleanup-days", "1",
                             "--ignore", "JG042"])
            #expect(run.status == 1, "\(run.stderr)")
            try expectValid(run.stdout, against: JSONSchemaFile.report)
            // The validation covered findings of every severity and many rules, drift included.
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
            let findings = object["findings"] as? [[String: Any]] ?? []
            #expect(Set(findings.compactMap { $0["severity"] as? String }) == ["error", "warning", "note"])
            let rules = Set(findings.compactMap { $0["rule_id"] as? String })
            for expected in ["JG022", "JG030", "JG033", "JG042", "JG060", "JG061", "JG063", "JG065"] {
                #expect(rules.contains(expected), "\(expected) missing from \(rules.sorted())")
            }
            // A suppressed finding (--ignore) is listed, marked: the schema's non-null `suppressed` branch is covered.
            #expect(findings.contains { ($0["suppressed"] as? [String: Any])?["source"] as? String == "--ignore" })
        }
    }

    /// Exit status 3 still writes a document, and it follows the schema's "could not run" branch: a home that
    /// does not exist, a home that is a file.
    @Test func theDocumentOfAnAuditThatCouldNotRunValidates() throws {
        try withTemporaryDirectory { root in
            try writeFile(root + "/file", [], mode: 0o600)
            for home in ["/nonexistent/home", root + "/file"] {
                let run = audit(["--home", home, "--format", "json"])
                #expect(run.status == 3, "\(home)")
                try expectValid(run.stdout, against: JSONSchemaFile.report)
                let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
                let execution = object["execution"] as? [String: Any]
                #expect(execution?["successful"] as? Bool == false && (execution?["error"] as? String)?.contains(home) == true)
            }
        }
    }

    @Test func aBaselineWrittenByTheToolValidates() throws {
        try withTemporaryDirectory { root in
            let (home, _) = try Self.stageStore(root)
            // A link (target not UTF-8) and a name that is not UTF-8: the format's `_b64` spellings.
            let data = home + "/.jido_code/"
            let target = pathBytes("../", [0xFF]).map { CChar(bitPattern: $0) } + [0]
            #expect(target.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { symlink($0, data + "link") } ?? -1 } == 0)
            try writeFile(pathBytes: pathBytes(data + "x", [0xFE]), Array("stray".utf8))
            defer { try? renameBytes(pathBytes(data + "x", [0xFE]), pathBytes(data + "x")) }
            let file = root + "/again.json"
            let run = audit(["baseline", "--home", home, "--hostname", Self.host, "--write", file])
            #expect(run.status == 0, "\(run.stderr)")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try expectValid(text, against: JSONSchemaFile.baseline)
            let entries = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
            #expect(Set(entries.compactMap { $0["type"] as? String }).isSuperset(of: ["regular", "directory", "symlink", "fifo"]))
            #expect(entries.contains { $0["name_b64"] as? String == Base64.encode(pathBytes("x", [0xFE])) })
            #expect(entries.contains { $0["name"] as? String == "link" && $0["target_b64"] as? String == Base64.encode(pathBytes("../", [0xFF])) })
            #expect(entries.contains { $0["sha256"] is NSNull } && entries.contains { $0["sha256"] is String })
            #expect(entries.contains { $0["verdict"] as? String == "valid" } && entries.contains { $0["verdict"] as? String == "invalid" })
        }
    }

    // MARK: The schemas are strict

    /// A minimal valid report, to be broken one way at a time.
    static func minimalReport() -> [String: Any] {
        let verdicts = Dictionary(uniqueKeysWithValues: SignatureVerdict.allCases.map { ($0.rawValue, 0) })
        return [
            "schema_version": 1, "tool": ["name": "jido-audit", "version": JidoCore.version], "home": "/h", "home_base64": "L2g=",
            "data_directory": "/h/.jido_code", "data_directory_base64": "L2gvLmppZG9fY29kZQ==", "execution": ["successful": true, "error": NSNull()],
            "hostname": "devbox", "secret_fingerprint": "d71af8f4f015424b", "hostname_suggestion": NSNull(),
            "summary": ["errors": 1, "warnings": 0, "notes": 0, "suppressed": 0, "findings_not_listed": 0, "session_files": 1, "bytes_read": 10,
                        "duration_seconds": 0.5, "verdicts": verdicts],
            "findings": [["rule_id": "JG030", "rule_name": "signature-invalid", "severity": "error", "path": "/h/x",
                          "path_base64": "L2gveA==", "message": "m", "fix": "f", "suppressed": NSNull()]],
            "rules": [["id": "JG030", "name": "signature-invalid", "severity": "error", "summary": "s", "help": "h"]],
        ]
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func theReportSchemaAcceptsTheMinimalReport() throws {
        try expectValid(try Self.json(Self.minimalReport()), against: JSONSchemaFile.report)
    }

    @Test(arguments: [
        "extra top-level field", "finding with an extra field", "unknown severity", "rule id not JGnnn", "a verdict missing",
        "negative count", "failed run with findings", "failed run without a reason", "successful run with an error",
        "schema version 2",
    ])
    func theReportSchemaRejects(_ breakage: String) throws {
        var report = Self.minimalReport()
        var finding = (report["findings"] as? [[String: Any]])?.first ?? [:]
        var summary = report["summary"] as? [String: Any] ?? [:]
        switch breakage {
        case "extra top-level field": report["extra"] = 1
        case "finding with an extra field": finding["line"] = 3
        case "unknown severity": finding["severity"] = "fatal"
        case "rule id not JGnnn": finding["rule_id"] = "JG30"
        case "a verdict missing":
            var verdicts = summary["verdicts"] as? [String: Any] ?? [:]
            verdicts["null-signature"] = nil
            summary["verdicts"] = verdicts
        case "negative count": summary["errors"] = -1
        case "failed run with findings": report["execution"] = ["successful": false, "error": "cannot open /h"]
        case "failed run without a reason":
            report["execution"] = ["successful": false, "error": NSNull()]
            report["findings"] = [Any]()
            report["rules"] = [Any]()
        case "successful run with an error": report["execution"] = ["successful": true, "error": "x"]
        default: report["schema_version"] = 2
        }
        if report["findings"] as? [Any] != nil, !(report["findings"] as? [Any] ?? []).isEmpty { report["findings"] = [finding] }
        report["summary"] = summary
        let outcome = try validateWithJSONSchema(try Self.json(report), schema: JSONSchemaFile.report)
        #expect(outcome.status == 1, "the schema must reject a report with \(breakage)")
    }

    @Test(arguments: ["extra field", "mode not octal", "sha256 upper case", "unknown type", "unknown verdict", "time without nanoseconds",
                      "nanoseconds not nine digits", "format misnamed", "version 1", "entry without ctime", "both name and name_b64",
                      "neither name nor name_b64", "name_b64 not base64", "both target and target_b64", "target of a regular file"])
    func theBaselineSchemaRejects(_ breakage: String) throws {
        var entry: [String: Any] = [
            "name": "sessions/a.json", "device": 2049, "inode": 1234, "uid": 1000, "gid": 1000, "mode": "0600", "type": "regular",
            "nlink": 1, "size": 10, "mtime": "1700000000.000000005", "ctime": "1700000000.123456789",
            "sha256": String(repeating: "ab", count: 32), "verdict": "valid",
        ]
        let link: [String: Any] = [
            "name_b64": "bG9ja3Mv/w==", "device": 2049, "inode": 1235, "uid": 1000, "gid": 1000, "mode": "0777", "type": "symlink",
            "nlink": 1, "size": 3, "mtime": "1700000000.000000000", "ctime": "1700000000.000000000", "sha256": NSNull(),
            "verdict": NSNull(), "target_b64": "Li7/",
        ]
        var document: [String: Any] = ["format": "jido-audit-baseline", "version": 2]
        document["entries"] = [entry, link]
        try expectValid(try Self.json(document), against: JSONSchemaFile.baseline)
        switch breakage {
        case "extra field": entry["xattr"] = ""
        case "mode not octal": entry["mode"] = "0644x"
        case "sha256 upper case": entry["sha256"] = String(repeating: "AB", count: 32)
        case "unknown type": entry["type"] = "door"
        case "unknown verdict": entry["verdict"] = "ok"
        case "time without nanoseconds": entry["mtime"] = "1700000000"
        case "nanoseconds not nine digits": entry["mtime"] = "1700000000.5"
        case "format misnamed": document["format"] = "aide"
        case "version 1": document["version"] = 1
        case "both name and name_b64": entry["name_b64"] = "YQ=="
        case "neither name nor name_b64": entry["name"] = nil
        case "name_b64 not base64":
            entry["name"] = nil
            entry["name_b64"] = "not base64!"
        case "both target and target_b64":
            entry = link
            entry["target"] = ".."
        case "target of a regular file": entry["target"] = "elsewhere"
        default: entry["ctime"] = nil
        }
        document["entries"] = [entry]
        let outcome = try validateWithJSONSchema(try Self.json(document), schema: JSONSchemaFile.baseline)
        #expect(outcome.status == 1, "the schema must reject a baseline with \(breakage)")
    }

    /// The patterns the schemas pin hold for every rule the tool has.
    @Test func everyRuleFitsTheSchemasPatterns() {
        for rule in Rules.all {
            #expect(rule.id.wholeMatch(of: /JG[0-9]{3}/) != nil, "\(rule.id)")
            #expect(rule.name.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) != nil, "\(rule.name)")
        }
    }
}
