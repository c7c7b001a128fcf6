import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit
@testable import JidoAuditCLI

/// The text report as people read it, on JidoCode's `mixed` fixture store: grouped by rule, notes and
/// suppressed findings counted but not shown, `--quiet`, `--verbose`, `--min-severity`, `--ignore`, the
/// suppressions file in every format, and the hint when most signatures fail.
@Suite struct TextReportTests {
    static let host = "jido-fixture-host"

    /// The whole default report on the mixed store, byte for byte (the temporary home shown as /tmp/jc,
    /// the duration fixed): README.md shows this output.
    @Test func theMixedStoreReportExactly() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            var configuration = AuditConfiguration(home: home)
            configuration.hostname = Self.host
            configuration.cleanupDays = 100_000
            var report = try Auditor.run(configuration)
            report.duration = 0.03
            let text = TextRenderer.render(report, options: TextOptions()).replacingOccurrences(of: root, with: "/tmp/jc")
            #expect(text == Self.expectedMixedReport, "\(text)")
        }
    }

    static let expectedMixedReport = """
    jido-audit: home /tmp/jc, hostname "jido-fixture-host", secret fingerprint d71af8f4f015424b

    Errors (8)
      JG030 signature-invalid (4)
        /tmp/jc/.jido_code/sessions/3d67d1bf-19e5-4a60-ae44-2e2e53b34e94.json: the signature does not match the content
        /tmp/jc/.jido_code/sessions/c0fa34d3-6048-453c-8c9e-503c4e9b0777.json: the signature does not match the content
        /tmp/jc/.jido_code/sessions/c9d4ffec-3792-41a3-a5d7-b24729cf6dcd.json: the signature does not match the content
        /tmp/jc/.jido_code/sessions/caceefd6-adb0-42d4-9701-f855ae468229.json: the signature does not match the content
        fix: Treat the content as untrusted; check --hostname and --secret-file if the store was copied.
      JG033 duplicate-keys (4)
        /tmp/jc/.jido_code/sessions/695ffc79-2afb-4bc6-99ef-959a6fb07850.json: key /name occurs more than once
        /tmp/jc/.jido_code/sessions/a8c978d6-74fc-42ac-8cb9-9629ab88ffa3.json: key /name occurs more than once
        /tmp/jc/.jido_code/sessions/af678860-3b13-4fbb-a6a8-957a3c97b5fc.json: key /name occurs more than once
        /tmp/jc/.jido_code/sessions/c29fc42b-035a-4da1-91e0-420e49f00905.json: key /name occurs more than once
        fix: Treat the file as tampered: JidoCode never writes duplicated keys.

    Warnings (34)
      JG005 directory-readable-by-others (2)
        /tmp/jc/.jido_code: mode 0755: group or others can list it; 0700 is recommended
        /tmp/jc/.jido_code/sessions: mode 0755: group or others can list it; 0700 is recommended
        fix: chmod 700 the directory (jido-audit --fix).
      JG025 session-readable-by-others (24)
        /tmp/jc/.jido_code/sessions/080e0186-f668-4507-8a8f-59a43c5dcc87.json: mode 0644: conversation readable by every local user
        /tmp/jc/.jido_code/sessions/1a0070b9-4c6d-4fb5-8a00-24f130dda866.json: mode 0644: conversation readable by every local user
        /tmp/jc/.jido_code/sessions/2dc1d16c-e90b-4320-83ce-007e914751af.json: mode 0644: conversation readable by every local user
        /tmp/jc/.jido_code/sessions/38f0df98-cecd-4f85-8e70-bde591a5edd6.json: mode 0644: conversation readable by every local user
        /tmp/jc/.jido_code/sessions/3d67d1bf-19e5-4a60-ae44-2e2e53b34e94.json: mode 0644: conversation readable by every local user
        ... and 19 more (--verbose lists them all)
        fix: chmod 600 the file (jido-audit --fix).
      JG031 signature-missing (4)
        /tmp/jc/.jido_code/sessions/4aea0029-f9a5-48b3-99ed-8db8ecb57085.json: no signature member
        /tmp/jc/.jido_code/sessions/765dc0a5-d621-4c15-8cb7-19dde454580c.json: no signature member
        /tmp/jc/.jido_code/sessions/a44b8313-47c1-4bb4-8b6d-6d1671b2e99f.json: no signature member
        /tmp/jc/.jido_code/sessions/dca82c78-e20b-4d01-8042-a8a9a4088f12.json: no signature member
        fix: Open and close the session in JidoCode to re-sign it, after checking its content.
      JG034 session-not-canonical (4)
        /tmp/jc/.jido_code/sessions/695ffc79-2afb-4bc6-99ef-959a6fb07850.json: verifies, but the bytes are not JidoCode's canonical form
        /tmp/jc/.jido_code/sessions/a8c978d6-74fc-42ac-8cb9-9629ab88ffa3.json: verifies, but the bytes are not JidoCode's canonical form
        /tmp/jc/.jido_code/sessions/af678860-3b13-4fbb-a6a8-957a3c97b5fc.json: verifies, but the bytes are not JidoCode's canonical form
        /tmp/jc/.jido_code/sessions/c29fc42b-035a-4da1-91e0-420e49f00905.json: verifies, but the bytes are not JidoCode's canonical form
        fix: Find out what rewrote it; the signed content itself is intact.

    jido-audit: 8 errors, 34 warnings, 0 notes in 24 session files (137.9 kB, 0.03 s); verdicts: 16 valid, 4 invalid, 4 unsigned; hostname "jido-fixture-host"

    """

    /// The fingerprint in the header is what the README's shell recipe computes from the secret file.
    @Test func theFingerprintIsReproducibleWithTheShell() throws {
        let secret = try TestVectors.directory().appendingPathComponent("mixed/home/.jido_code/machine_secret").path
        let shell = try runShell("{ printf 'jido-audit secret fingerprint v1\\0'; cat \"$1\"; } | sha256sum | cut -c1-16", secret)
        #expect(shell == "d71af8f4f015424b\n")
        let bytes = try TestVectors.readBytes(URL(fileURLWithPath: secret))
        #expect(try bytes.withUnsafeBytes { try SecretFingerprint.of(secret: $0) } == "d71af8f4f015424b")
    }

    /// Notes (here: every session is older than 30 days) are counted, not shown, unless asked for.
    @Test func notesQuietVerboseAndMinSeverity() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let base = ["--home", home, "--hostname", Self.host]
            let summaryStart = "jido-audit: 8 errors, 34 warnings, 24 notes in 24 session files ("
            let hiddenNotes = "jido-audit: not shown: 24 notes below --min-severity warning (--verbose or --min-severity note shows them)\n"

            let normal = audit(base)
            #expect(normal.status == 1)
            #expect(!normal.stdout.contains("Notes (") && !normal.stdout.contains("JG051"))
            #expect(normal.stdout.hasSuffix("; hostname \"jido-fixture-host\"\n" + hiddenNotes), "\(normal.stdout.suffix(300))")

            let quiet = audit(base + ["--quiet"])
            let quietLines = quiet.stdout.split(separator: "\n").map(String.init)
            #expect(quiet.status == 1 && quietLines.count == 2 && quietLines[0].hasPrefix(summaryStart) && quietLines[1] + "\n" == hiddenNotes,
                    "\(quiet.stdout)")

            let notes = audit(base + ["--min-severity", "note"])
            #expect(notes.stdout.contains("\nNotes (24)\n  JG051 session-cleanup-eligible (24)\n"))
            #expect(notes.stdout.contains("    ... and 19 more (--verbose lists them all)"))
            #expect(!notes.stdout.contains("not shown"))

            let verbose = audit(base + ["--verbose"])
            #expect(verbose.stdout.contains("\nNotes (24)\n") && !verbose.stdout.contains("... and"), "every path of every rule")
            #expect(verbose.stdout.split(separator: "\n").filter { $0.hasSuffix("conversation readable by every local user") }.count == 24)

            let errorsOnly = audit(base + ["--min-severity", "error"])
            #expect(errorsOnly.status == 1, "--min-severity hides, --fail-on decides")
            #expect(errorsOnly.stdout.contains("Errors (8)") && !errorsOnly.stdout.contains("Warnings ("))
            #expect(errorsOnly.stdout.hasSuffix(
                "jido-audit: not shown: 34 warnings, 24 notes below --min-severity error (--min-severity note shows them)\n"))

            let both = audit(base + ["--quiet", "--verbose"])
            #expect(both.status == 2 && both.stderr.contains("--verbose and --quiet exclude each other"))
            #expect(audit(base + ["--min-severity", "info"]).stderr.contains("--min-severity must be one of error, warning, note, not 'info'"))
        }
    }

    @Test func ignoreHidesRulesCountsThemAndTheyNoLongerFail() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let base = ["--home", home, "--hostname", Self.host, "--cleanup-days", "100000"]
            let ignored = audit(base + ["--ignore", "JG030", "--ignore=JG033,JG025", "--fail-on", "error"])
            #expect(ignored.status == 0, "suppressed errors do not count for --fail-on: \(ignored.stdout)")
            #expect(!ignored.stdout.contains("Errors (") && !ignored.stdout.contains("JG025"))
            #expect(ignored.stdout.contains("jido-audit: 0 errors, 10 warnings, 0 notes in 24 session files"))
            #expect(ignored.stdout.hasSuffix("jido-audit: not shown: 32 suppressed by --ignore or the suppressions file "
                + "(--verbose lists them with their reasons)\n"), "\(ignored.stdout.suffix(200))")
            let verbose = audit(base + ["--ignore", "JG030", "--verbose"])
            #expect(verbose.stdout.contains("\nSuppressed (4)\n  JG030 signature-invalid: \(home)/.jido_code/sessions/3d67d1bf-19e5-4a60-ae44-2e2e53b34e94.json: "
                + "the signature does not match the content\n    suppressed by --ignore: ignored with --ignore\n"), "\(verbose.stdout)")
            let fix = audit(base + ["--ignore", "JG025", "--fix", "--dry-run"])
            #expect(fix.stderr.contains("would chmod 0755 -> 0700") && !fix.stderr.contains("0644 -> 0600"),
                    "--fix leaves what a suppression accepted alone: \(fix.stderr)")
            let unknown = audit(base + ["--ignore", "JG30"])
            #expect(unknown.status == 2 && unknown.stderr.hasPrefix("jido-audit audit: --ignore: unknown rule 'JG30'"), "\(unknown.stderr)")
        }
    }

    /// Suppressed findings are listed, marked, in JSON and SARIF (valid against the 2.1.0 schema), with
    /// the line of the suppressions file; an expired entry suppresses nothing and is reported.
    @Test func aSuppressionsFileInEveryFormat() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let config = root + "/config"
            try writeFile(config, Array("""
            # reviewed 2026-12-01
            suppress rule=JG025 reason="single-user machine" expires=2999-12-31
            suppress rule=JG030 path=sessions/3d67d1bf-*.json reason="a known tampered test file"
            suppress rule=JG034 reason="stale entry" expires=2001-01-01

            """.utf8), mode: 0o644)
            let base = ["--home", home, "--hostname", Self.host, "--cleanup-days", "100000", "--config", config]

            let text = audit(base)
            #expect(text.stdout.contains("Errors (7)\n  JG030 signature-invalid (3)\n"))
            #expect(text.stdout.contains("  JG090 suppression-expired (1)\n    \(config): line 4 (rule=JG034) expired after 2001-01-01; "
                + "it no longer suppresses anything\n"), "\(text.stdout)")
            #expect(text.stdout.contains("jido-audit: 7 errors, 11 warnings, 0 notes"))
            #expect(text.stdout.contains("not shown: 25 suppressed by --ignore or the suppressions file"))
            let verbose = audit(base + ["--verbose"])
            #expect(verbose.stdout.contains("    suppressed by config:2 until 2999-12-31: single-user machine\n"))
            #expect(verbose.stdout.contains("    suppressed by config:3: a known tampered test file\n"))

            let json = audit(base + ["--format", "json"])
            let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let summary = object["summary"] as? [String: Any] ?? [:]
            #expect(summary["suppressed"] as? Int == 25 && summary["errors"] as? Int == 7 && summary["warnings"] as? Int == 11)
            #expect(object["secret_fingerprint"] as? String == "d71af8f4f015424b")
            let findings = object["findings"] as? [[String: Any]] ?? []
            #expect(findings.count == 8 + 34 + 1, "every finding is listed, suppressed or not")
            let marks = findings.compactMap { $0["suppressed"] as? [String: Any] }
            #expect(marks.count == 25)
            let tampered = findings.first { $0["rule_id"] as? String == "JG030" && ($0["path"] as? String ?? "").contains("3d67d1bf") }
            #expect(tampered?["suppressed"] as? NSDictionary == ["reason": "a known tampered test file", "source": "config:3", "expires": NSNull()])
            let readable = findings.first { $0["rule_id"] as? String == "JG025" }
            #expect(readable?["suppressed"] as? NSDictionary == ["reason": "single-user machine", "source": "config:2", "expires": "2999-12-31"])
            #expect(findings.filter { $0["rule_id"] as? String == "JG034" }.allSatisfy { $0["suppressed"] is NSNull }, "expired")

            let sarif = audit(base + ["--format", "sarif"])
            try expectValidSARIF(sarif.stdout)
            let document = try #require(JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
            let results = (document["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
            #expect(results.count == 43)
            let suppressions = results.compactMap { $0["suppressions"] as? [[String: Any]] }
            #expect(suppressions.count == 25 && suppressions.allSatisfy { $0.count == 1 && $0[0]["kind"] as? String == "external" })
            let first = results.first { $0["ruleId"] as? String == "JG030" && $0["suppressions"] != nil }?["suppressions"] as? [[String: Any]]
            #expect(first?.first?["justification"] as? String == "a known tampered test file")
            #expect(first?.first?["status"] as? String == "accepted")
            #expect((first?.first?["properties"] as? [String: String]) == ["source": "config:3"])
        }
    }

    @Test func aBrokenOrUntrustedSuppressionsFileIsAUsageError() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let config = root + "/config"
            try writeFile(config, Array("# fine\nsuppress rule=JG030\n".utf8), mode: 0o600)
            let base = ["--home", home, "--hostname", Self.host, "--config", config]
            for format in ["text", "json"] {
                let broken = audit(base + ["--format", format])
                #expect(broken.status == 2 && broken.stdout.isEmpty)
                #expect(broken.stderr.hasPrefix("jido-audit audit: suppressions file \(config), line 2: an entry needs reason=\"...\""), "\(broken.stderr)")
            }
            try writeFile(config, Array("suppress rule=JG030 reason=x\n".utf8), mode: 0o600)
            try #require(chown(config, 65534, 65534) == 0, "the tests run as root")
            let foreign = audit(base)
            #expect(foreign.status == 2 && foreign.stderr.contains("refused: it belongs to uid 65534"), "\(foreign.stderr)")
            #expect(audit(["--home", home, "--config", root + "/none"]).stderr.contains("suppressions file \(root)/none: no such file"))
            // The default file: $XDG_CONFIG_HOME/jido-audit/config, when it exists; absent is fine.
            let environment = ["XDG_CONFIG_HOME": root + "/xdg"]
            #expect(audit(["--home", home, "--hostname", Self.host], environment: environment).status == 1)
            try FileManager.default.createDirectory(atPath: root + "/xdg/jido-audit", withIntermediateDirectories: true)
            try writeFile(root + "/xdg/jido-audit/config", Array("suppress reason=\"all\" path=**\n".utf8), mode: 0o666)
            let open = audit(["--home", home, "--hostname", Self.host], environment: environment)
            #expect(open.status == 2 && open.stderr.contains("\(root)/xdg/jido-audit/config: refused: mode 0666"), "\(open.stderr)")
            chmod(root + "/xdg/jido-audit/config", 0o644)
            let all = audit(["--home", home, "--hostname", Self.host], environment: environment)
            #expect(all.status == 0 && all.stdout.contains("jido-audit: 0 errors, 0 warnings, 0 notes"), "\(all.stdout)")
        }
    }

    /// As an unprivileged user (uid 65534, through setpriv): a root-owned file is trusted, one of another
    /// user or writable by others is refused.
    @Test func anUnprivilegedUserTrustsOnlyTheirOwnOrRootsFile() throws {
        try withTemporaryDirectory { root in
            chmod(root, 0o755)
            let config = root + "/config"
            try writeFile(config, Array("suppress rule=JG001 reason=\"not used here\"\n".utf8), mode: 0o644)
            func run() throws -> ProcessResult {
                let binary = productsDirectory().appendingPathComponent("jido-audit").path
                return try runCommand("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary,
                                                          "--home", root, "--hostname", "h", "--config", config, "--quiet"])
            }
            let trusted = try run()
            #expect(trusted.status == 0 && trusted.stdout.contains("1 suppressed"), "\(trusted.stdout)\(trusted.stderr)")
            #expect(chown(config, 1000, 1000) == 0)
            let foreign = try run()
            #expect(foreign.status == 2 && foreign.stderr.contains("belongs to uid 1000, and must belong to you (uid 65534) or root"), "\(foreign.stderr)")
            #expect(chown(config, 0, 0) == 0 && chmod(config, 0o646) == 0)
            let writable = try run()
            #expect(writable.status == 2 && writable.stderr.contains("refused: mode 0646"), "\(writable.stderr)")
        }
    }

    /// Most signatures failing gets one hint before the summary: the `--hostname` that works when a
    /// name of this machine verifies them, what to check otherwise.
    @Test func aWrongHostnameGetsAHint() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let wrong = audit(["--home", home, "--hostname", "wrong", "--cleanup-days", "100000"])
            #expect(wrong.stdout.contains("\nhint: 20 of 20 signed sessions fail under hostname \"wrong\", and no other name JidoCode "
                + "could use on this machine verifies them: if the store comes from another machine, pass its --hostname and "
                + "--secret-file\n\njido-audit: 24 errors"), "\(wrong.stdout.suffix(600))")
            #expect(!audit(["--home", home, "--hostname", Self.host]).stdout.contains("hint:"))
            #expect(!audit(["--home", home, "--hostname", "wrong", "--quiet"]).stdout.contains("hint:"), "--quiet: the summary only")
        }
        try withTemporaryDirectory { root in
            // Re-signed under this machine's own name, audited under another: the hint names this machine's.
            let home = try copyVectorStore("basic", into: root)
            let machine = try Hostname.current()
            let key = try MachineSecret.load(file: home + "/.jido_code/machine_secret").sessionKey(hostname: machine)
            let sessions = home + "/.jido_code/sessions"
            let names = try FileManager.default.contentsOfDirectory(atPath: sessions).filter { $0.hasSuffix(".json") }
            for name in names {
                let bytes = try TestVectors.readBytes(URL(fileURLWithPath: sessions + "/" + name))
                let object = try #require(StrictJSONDecoder().decode(bytes).value.objectValue)
                try writeFile(sessions + "/" + name, try SessionSignature.signedFileBytes(for: object, key: key), mode: 0o644)
            }
            let run = audit(["--home", home, "--hostname", "wrong-host", "--cleanup-days", "100000"])
            #expect(run.stdout.contains("\nhint: \(names.count) of \(names.count) signed sessions fail under hostname \"wrong-host\" but verify "
                + "under \(machine.debugDescription): pass --hostname \(machine)\n\njido-audit: "), "\(run.stdout)")
            #expect(run.stdout.contains("  JG018 hostname-mismatch (1)"))
        }
    }
}

/// Runs `/bin/sh -c script` with `argument` as `$1`; its standard output.
private func runShell(_ script: String, _ argument: String) throws -> String {
    try runCommand("/bin/sh", ["-c", script, "sh", argument]).stdout
}

private func runCommand(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
    try runProgram(executable, arguments)
}
