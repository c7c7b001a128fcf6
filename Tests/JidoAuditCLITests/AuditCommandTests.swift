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

    /// `--jobs`: the same report in every format whatever the number of threads (only the measured
    /// duration differs), on a store with valid, tampered, unsigned and fallback-signed files, a session
    /// that is a FIFO, one that is a dangling symlink, one nobody may read, a lock of a missing session,
    /// strays and a name that is not UTF-8.
    @Test func theReportIsTheSameForEveryJobCount() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let sessions = home + "/.jido_code/sessions/"
            let names = try FileManager.default.contentsOfDirectory(atPath: sessions).filter { $0.hasSuffix(".json") }.sorted()
            #expect(names.count >= 6)
            var tampered = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sessions + names[0])))
            if let brace = tampered.lastIndex(of: UInt8(ascii: "}")) { tampered.insert(UInt8(ascii: " "), at: brace) }
            try writeFile(sessions + names[0], tampered)
            #expect(mkfifo(sessions + "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b.json", 0o600) == 0)
            #expect(symlink(root + "/missing.json", sessions + "7a1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b.json") == 0)
            try writeFile(sessions + "8b1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b.json", Array("{}".utf8), mode: 0o000)
            try writeFile(sessions + "notes.txt", Array("stray".utf8))
            try writeFile(pathBytes: pathBytes(sessions, [0x76, 0xFF, 0x2E, 0x6A, 0x73, 0x6F, 0x6E]), Array("{}".utf8))
            try FileManager.default.createDirectory(atPath: home + "/.jido_code/locks", withIntermediateDirectories: true)
            try writeFile(home + "/.jido_code/locks/9c1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b.lock", [])
            let base = ["--home", home, "--hostname", Self.host, "--cleanup-days", "100000", "--verbose"]
            for format in ["text", "json", "sarif"] {
                let one = audit(base + ["--format", format, "--jobs", "1"])
                #expect(one.status == 1 && one.stdout.contains(names[0]), "\(format)")
                for jobs in ["2", "5"] {
                    let many = audit(base + ["--format", format, "--jobs", jobs])
                    #expect(Self.withoutDuration(many.stdout) == Self.withoutDuration(one.stdout), "\(format) --jobs \(jobs)")
                    #expect(many.stderr == one.stderr && many.status == one.status, "\(format) --jobs \(jobs)")
                }
            }
            #expect(audit(base + ["--jobs", "0"]).status == 2)
        }
    }

    /// The report without its measured duration (text `(N B, 0.12 s)`, JSON `duration_seconds`).
    static func withoutDuration(_ report: String) -> String {
        report.replacingOccurrences(of: #"[0-9]+\.[0-9]+ s\)"#, with: "DURATION", options: .regularExpression)
            .replacingOccurrences(of: #""duration_seconds": [0-9.e+-]+"#, with: "DURATION", options: .regularExpression)
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

/// Paths that are not UTF-8: every path option and file argument is taken byte for byte (in process
/// and from the real `argv`), and every output names such a path reversibly.
@Suite struct NonUTF8PathTests {
    /// A copy of the `basic` vector store under a home named `h\xFF\x1B` (not UTF-8, with a control),
    /// renamed back after `body` so that the temporary directory can be removed.
    func withNonUTF8Home(_ body: (_ root: String, _ home: [UInt8]) throws -> Void) throws {
        try withTemporaryDirectory { root in
            let utf8Home = try copyVectorStore("basic", into: root + "/home")
            let home = pathBytes(root + "/h", [0xFF, 0x1B])
            try renameBytes(pathBytes(utf8Home), home)
            defer { try? renameBytes(home, pathBytes(utf8Home)) }
            try body(root, home)
        }
    }

    static func arguments(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }

    @Test func everyPathOptionTakesBytesAndEveryOutputShowsThemReversibly() throws {
        try withNonUTF8Home { root, home in
            let base = [Array("--home".utf8), home] + Self.arguments("--hostname", "devbox")
            let shownHome = root + "/h\\xFF\\x1B"

            let json = audit(bytes: base + Self.arguments("--format", "json"))
            #expect(json.status == 1, "JidoCode's 0755/0644 modes are findings: \(json.stderr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["home"] as? String == shownHome)
            #expect((object["home"] as? String).flatMap(displayTextBytes) == home)
            #expect((object["home_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == home)
            #expect((object["data_directory_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) }
                == home + Array("/.jido_code".utf8))
            let findings = object["findings"] as? [[String: Any]] ?? []
            #expect(!findings.isEmpty)
            for finding in findings {
                let exact = (finding["path_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) }
                #expect(exact?.starts(with: home) == true && (finding["path"] as? String).flatMap(displayTextBytes) == exact, "\(finding)")
            }
            let text = audit(bytes: base)
            #expect(text.stdout.contains("    " + shownHome + "/.jido_code/sessions: "), "\(text.stdout)")

            // --output, then --baseline and baseline --write, at paths that are not UTF-8 either.
            let output = home + [0x2F, 0x72, 0xFE]
            let written = audit(bytes: base + Self.arguments("--format", "sarif", "--output") + [output])
            #expect(written.status == 1 && written.stdout.isEmpty, "\(written.stderr)")
            let report = try CheckedFileReader.read(path: PathBytes(bytes: output), policy: FilePolicy(maxBytes: 1 << 20))
            #expect(report.status.permissions == .ownerReadWrite)
            try expectValidSARIF(String(decoding: report.bytes, as: UTF8.self))
            #expect(String(decoding: report.bytes, as: UTF8.self).contains("/h%5CxFF%5Cx1B/"), "the printed form, percent-encoded")

            let baseline = home + [0x2F, 0x62, 0xFE]
            let recorded = audit(bytes: Self.arguments("baseline", "--write") + [baseline] + base)
            #expect(recorded.status == 0 && recorded.stdout.hasSuffix("written to " + shownHome + "/b\\xFE\n"), "\(recorded.stdout)\(recorded.stderr)")
            let compared = audit(bytes: base + [Array("--baseline".utf8), baseline])
            #expect(compared.status == 1 && !compared.stdout.contains("JG06"), "no drift: \(compared.stdout)")

            let secret = audit(bytes: base + [Array("--secret-file".utf8), home + Array("/.jido_code/machine_secret".utf8)])
            #expect(secret.status == 1 && secret.stdout.contains("valid"), "\(secret.stderr)")
            let missingSecret = audit(bytes: base + [Array("--secret-file".utf8), home + [0x2F, 0xFE]])
            #expect(missingSecret.status == 3 && missingSecret.stderr.contains(shownHome + "/\\xFE (given with --secret-file) does not exist"),
                    "\(missingSecret.stderr)")
        }
    }

    @Test func aMissingHomeAndTextThatIsNotUTF8AreNamedEscaped() throws {
        let missing = audit(bytes: [Array("--home".utf8), pathBytes("/nonexistent/h", [0xFF])])
        #expect(missing.status == 3 && missing.stderr.contains("/nonexistent/h\\xFF: No such file"), "\(missing.stderr)")
        let json = audit(bytes: [Array("--home".utf8), pathBytes("/nonexistent/h", [0xFF])] + Self.arguments("--format", "json"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(((object["execution"] as? [String: Any])?["error"] as? String)?.contains("/nonexistent/h\\xFF: ") == true)
        let badText = audit(bytes: Self.arguments("--format") + [[0x6A, 0xFF]])
        #expect(badText.status == 2 && badText.stderr.contains("option '--format' needs UTF-8 text, not 'j\\xFF'"), "\(badText.stderr)")
        let badOption = audit(bytes: [[0x2D, 0x2D, 0xFF]])
        #expect(badOption.status == 2 && badOption.stderr.contains("unknown option '--\\xFF'"), "\(badOption.stderr)")
    }

    /// The binary itself: `argv` holds the home's bytes, which `CommandLine.arguments` would have
    /// repaired to U+FFFD (an existing home then reported "No such file", exit 3).
    @Test func theBinaryTakesItsArgumentsAsBytes() throws {
        try withNonUTF8Home { root, home in
            let audited = try runProduct("jido-audit", byteArguments: [Array("--home".utf8), home] + Self.arguments("--hostname", "devbox", "--format", "json"))
            #expect(audited.status == 1, "\(audited.stderr)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(audited.stdout.utf8)) as? [String: Any])
            #expect((object["home_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == home)
            #expect((object["summary"] as? [String: Any])?["session_files"] as? Int == 5)
            let file = home + Array("/.jido_code/sessions/0b9d3c2a-7e41-4f8a-b6c5-1a2b3c4d5e6f.json".utf8)
            let verified = try runProduct("jido-audit", byteArguments: Self.arguments("verify", "--hostname", "devbox", "--home") + [home, file])
            #expect(verified.stdout.hasPrefix("valid "), "\(verified.stdout)\(verified.stderr)")
            #expect(verified.stdout.contains(root + "/h\\xFF\\x1B/.jido_code/sessions/0b9d3c2a"))
            // $HOME (and $JIDO_HOME) are read as bytes too; an empty JIDO_HOME does not hide HOME.
            for environment in [[Array("HOME=".utf8) + home], [Array("JIDO_HOME=".utf8) + home], [Array("JIDO_HOME=".utf8), Array("HOME=".utf8) + home]] {
                let fromEnvironment = try runProduct("jido-audit", byteArguments: Self.arguments("--hostname", "devbox", "--format", "json"),
                                                     environment: environment)
                let document = try #require(JSONSerialization.jsonObject(with: Data(fromEnvironment.stdout.utf8)) as? [String: Any])
                #expect((document["home_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == home, "\(fromEnvironment.stderr)")
            }
        }
    }
}
