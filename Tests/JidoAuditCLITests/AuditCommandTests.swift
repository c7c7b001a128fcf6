import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAuditCLI

/// `jido-audit` (audit) end to end: default target, formats, exit codes, --fix, baselines.
@Suite struct AuditCommandTests {
    static let host = "jido-fixture-host"

    @Test func noArgumentsAuditsHomeAndAnUnreadableHomeExitsThree() {
        let run = audit([], environment: ["HOME": "/nonexistent/home"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("/nonexistent/home"))
        #expect(audit(["--home", "/nonexistent/x"], environment: [:]).status == 3)
        #expect(audit([], environment: ["HOME": "/nonexistent/a", "JIDO_HOME": "/nonexistent/b"]).stderr.contains("/nonexistent/b"))
    }

    @Test func mixedStoreInEveryFormat() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let base = ["--home", home, "--hostname", Self.host, "--cleanup-days", "100000"]
            let text = audit(base)
            #expect(text.status == 1)
            #expect(text.stdout.contains("JG030 signature-invalid") && text.stdout.contains("JG025 session-readable-by-others"))
            #expect(text.stdout.contains("verdicts: 16 valid, 4 invalid, 4 unsigned"), "\(text.stdout.suffix(300))")
            #expect(!text.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
            let json = audit(base + ["--format", "json"])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["schema_version"] as? Int == 1)
            let summary = object?["summary"] as? [String: Any]
            #expect(summary?["errors"] as? Int == 8 && summary?["session_files"] as? Int == 24, "\(String(describing: summary))")
            let sarif = audit(base + ["--format", "sarif"])
            #expect(sarif.status == 1)
            try expectValidSARIF(sarif.stdout)
            #expect(audit(base + ["--fail-on", "error"]).status == 1)
        }
    }

    @Test func failOnThresholdDecidesTheExitStatus() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            // Only warnings (0644 sessions, 0755 directories) and notes: not an error.
            let base = ["--home", home, "--hostname", "devbox", "--cleanup-days", "100000"]
            #expect(audit(base + ["--fail-on", "error"]).status == 0)
            #expect(audit(base).status == 1)
        }
    }

    @Test func fixDryRunThenFixThenCleanReaudit() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let base = ["--home", home, "--hostname", "devbox", "--cleanup-days", "100000"]
            let dry = audit(base + ["--fix", "--dry-run"])
            #expect(dry.stderr.contains("would chmod 0644 -> 0600"), "what --fix does goes to stderr: \(dry.stderr.prefix(400))")
            #expect(fileMode(home + "/.jido_code/sessions") == 0o755)
            let fixed = audit(base + ["--fix"])
            #expect(fixed.status == 0, "\(fixed.stdout)")
            #expect(fixed.stderr.contains("fixed: chmod 0755 -> 0700"))
            #expect(fixed.stdout.contains("no findings"))
            #expect(fileMode(home + "/.jido_code/sessions") == 0o700)
            #expect(audit(base + ["--fix"]).stderr.contains("nothing to fix"))
        }
    }

    @Test func baselineWriteThenCompare() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let baseline = root + "/base.json"
            let written = audit(["baseline", "--write", baseline, "--home", home, "--hostname", "devbox"])
            #expect(written.status == 0 && written.stdout.contains("written to"))
            #expect(fileMode(baseline) == 0o600)
            unlink(home + "/.jido_code/sessions/d4e5f6a7-b8c9-4dae-9f00-aabbccddeeff.json")
            try writeFile(home + "/.jido_code/new-file", [])
            let compared = audit(["--home", home, "--hostname", "devbox", "--baseline", baseline, "--format", "json"])
            #expect(compared.stdout.contains("JG061"))
            #expect(compared.stdout.contains("JG060"), "an entry added directly in .jido_code/ is reported")
            // What a baseline cannot record is said on stderr, and the baseline is still written.
            var deep = home + "/.jido_code/deep"
            for _ in 0..<20 {
                mkdir(deep, 0o700)
                deep += "/d"
            }
            let partial = audit(["baseline", "--write", baseline, "--home", home, "--hostname", "devbox"])
            #expect(partial.status == 0 && partial.stderr.contains("warning:") && partial.stderr.contains("(JG072)"), "\(partial.stderr)")
            #expect(audit(["baseline", "--write", "/nonexistent/dir/b.json", "--home", home, "--hostname", "devbox"]).status == 3)
        }
    }

    @Test func binaryVersionAndHelp() throws {
        let version = try runProduct("jido-audit", ["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("jido-audit "))
        let help = try runProduct("jido-audit", ["audit", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--fail-on"))
    }
}

/// Machine-readable output never leaves a CI step empty-handed, and can go to a private file.
@Suite struct ReportOutputTests {
    @Test func aFailedAuditStillWritesJSONAndSARIF() throws {
        let sarif = audit(["--home", "/nonexistent/home", "--format", "sarif"], environment: [:])
        #expect(sarif.status == 3)
        let document = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
        let run = (document?["runs"] as? [[String: Any]])?.first
        let invocation = (run?["invocations"] as? [[String: Any]])?.first
        #expect(invocation?["executionSuccessful"] as? Bool == false)
        let notification = (invocation?["toolExecutionNotifications"] as? [[String: Any]])?.first
        let text = (notification?["message"] as? [String: String])?["text"]
        #expect(text?.contains("/nonexistent/home") == true)
        #expect((run?["results"] as? [Any])?.isEmpty == true)
        try expectValidSARIF(sarif.stdout)
        let json = audit(["--home", "/nonexistent/home", "--format", "json"], environment: [:])
        #expect(json.status == 3)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let execution = object?["execution"] as? [String: Any]
        #expect(execution?["successful"] as? Bool == false && (execution?["error"] as? String)?.contains("/nonexistent/home") == true)
        #expect(!json.stderr.isEmpty, "people still read why on stderr")
    }

    @Test func outputGoesToAPrivateFileWrittenAtomically() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let path = root + "/report.json"
            let run = audit(["--home", home, "--hostname", "devbox", "--format", "json", "--output", path], environment: [:])
            #expect(run.stdout.isEmpty)
            #expect(fileMode(path) == 0o600)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            #expect((object?["execution"] as? [String: Any])?["successful"] as? Bool == true)
            let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".tmp") }
            #expect(names.isEmpty, "no temporary left: \(names)")
            let unwritable = audit(["--home", home, "--hostname", "devbox", "--output", "/nonexistent/dir/report"], environment: [:])
            #expect(unwritable.status == 3 && unwritable.stderr.contains("cannot write the report"))
        }
    }
}
