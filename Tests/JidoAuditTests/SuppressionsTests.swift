import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// The suppressions file and `--ignore`: the format, its line-numbered errors, path patterns, expiry,
/// what a suppressed finding still is (listed, marked, not counted), and who may write the file.
@Suite struct SuppressionsTests {
    static func parse(_ text: String) throws(SuppressionError) -> Suppressions {
        try Suppressions.parse(Array(text.utf8), file: "/etc/cfg")
    }

    static func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "parsed"
        } catch {
            return error.description
        }
    }

    static let day20270131 = ISO8601.daysSinceEpoch(year: 2027, month: 1, day: 31)

    @Test func entriesParseWithQuotesCommentsAndBlankLines() throws {
        let suppressions = try Self.parse("""
        # accepted findings

          suppress rule=JG030 path=sessions/*.json reason="copied from \\"old\\" laptop \\\\ 2026" expires=2027-01-31\r
        suppress\tpath="/srv/base line.json"\treason=moved
        suppress rule=JG025,JG005,JG025 reason="shared box"
        """)
        #expect(suppressions.file == "/etc/cfg")
        let entries = suppressions.entries
        try #require(entries.count == 3)
        #expect(entries[0].line == 3 && entries[0].rules == ["JG030"] && entries[0].path == "sessions/*.json")
        #expect(entries[0].reason == "copied from \"old\" laptop \\ 2026" && entries[0].expires == "2027-01-31")
        #expect(entries[1].line == 4 && entries[1].rules.isEmpty && entries[1].path == "/srv/base line.json" && entries[1].reason == "moved")
        #expect(entries[2].rules == ["JG025", "JG005"] && entries[2].path == nil && entries[2].expires == nil)
    }

    /// Every mistake is an error naming the file, the line and what to write instead.
    @Test func errorsNameTheLine() {
        let cases: [(String, String)] = [
            ("suppress rule=JG030", "line 1: an entry needs reason=\"...\": say why the finding is accepted"),
            ("\n\nsuppress rule=JG030 reason=\"  \"", "line 3: an entry needs reason=\"...\""),
            ("suppress reason=x", "line 1: an entry needs rule=, path= or both"),
            ("# ok\nignore rule=JG030 reason=x", "line 2: expected 'suppress rule=... path=... reason=\"...\" [expires=YYYY-MM-DD]' or a # comment, not 'ignore'"),
            ("suppress rule=JG999 reason=x", "line 1: unknown rule 'JG999' (rule ids are JG001 to JG090"),
            ("suppress rule=JG030, reason=x", "line 1: an empty rule id in 'JG030,'"),
            ("suppress rule=JG030 reason=x owner=me", "line 1: unknown key 'owner' (the keys are rule, path, reason, expires)"),
            ("suppress rule=JG030 rule=JG031 reason=x", "line 1: 'rule' is given twice"),
            ("suppress rule=JG030 reason", "line 1: expected key=value, not 'reason' without '='"),
            ("suppress rule=JG030 reason=", "line 1: 'reason=' has no value"),
            ("suppress rule=JG030 reason=\"open", "line 1: the value of 'reason' has no closing '\"'"),
            ("suppress rule=JG030 reason=\"a\\n\"", "line 1: in the value of 'reason', '\\' must be followed by '\"' or '\\'"),
            ("suppress rule=JG030 reason=\"a\"b", "line 1: expected a blank after the value of 'reason'"),
            ("suppress rule=JG030 reason=a\"b\"", "line 1: a '\"' inside the value of 'reason': quote the whole value"),
            ("suppress rule=JG030 reason=x expires=2027-02-29", "line 1: expires must be a date YYYY-MM-DD, not '2027-02-29'"),
            ("suppress rule=JG030 reason=x expires=31/01/2027", "line 1: expires must be a date YYYY-MM-DD"),
            ("suppress rule=JG030 reason=x path=a\\", "line 1: the path pattern ends with a lone '\\'"),
            ("suppress rule=JG030 reason=\"a\u{1B}[2J\"", "line 1: control character \\x1B"),
        ]
        for (text, expected) in cases {
            let message = Self.error(text)
            #expect(message.hasPrefix("suppressions file /etc/cfg, " + expected), "\(text.debugDescription): \(message)")
        }
        #expect(Self.error("suppress rule=JG030 reason=x expires=2028-02-29") == "parsed", "a leap day is a date")
        var invalid = Array("suppress rule=JG030 reason=x\n# \n".utf8)
        invalid.insert(0xFF, at: invalid.count - 1)
        #expect(throws: SuppressionError.self) { try Suppressions.parse(invalid, file: "f") }
        let many = String(repeating: "suppress rule=JG030 reason=x\n", count: Suppressions.maxEntries + 1)
        #expect(Self.error(many).hasSuffix("line \(Suppressions.maxEntries + 1): more than \(Suppressions.maxEntries) entries"))
        #expect(Self.error(String(repeating: "#", count: Suppressions.maxFileBytes + 1)).hasSuffix("more than 1048576 bytes"))
    }

    @Test func pathPatterns() throws {
        func matches(_ pattern: String, _ path: String) throws -> Bool { try PathGlob(pattern).matches(Array(path.utf8)) }
        #expect(try matches("sessions/*.json", "sessions/a.json"))
        #expect(try !matches("sessions/*.json", "sessions/a.json.tmp"))
        #expect(try !matches("*.json", "sessions/a.json"), "* does not cross /")
        #expect(try matches("**/*.json", "sessions/a.json") && matches("**/*.json", "a.json") && matches("**", "a/b/c"))
        #expect(try matches("sessions/**", "sessions/x/y") && !matches("sessions/**", "locks/x"))
        #expect(try matches("sessions/????????-*.json", "sessions/3d67d1bf-19e5.json"))
        #expect(try !matches("sessions/?.json", "sessions/ab.json") && matches("sessions/?.json", "sessions/é.json"), "? is one character")
        #expect(try matches("sessions/\\*.json", "sessions/*.json") && !matches("sessions/\\*.json", "sessions/a.json"))
        #expect(try matches(".", ".") && matches("machine_secret", "machine_secret") && !matches("machine_secret", "machine_secret2"))
        #expect(try matches("/srv/*", "/srv/b.json") && !matches("/srv/*", "srv/b.json"))
        // A name that is not UTF-8: each stray byte is one character for ? and *.
        #expect(try PathGlob("sessions/a?b").matches(Array("sessions/a".utf8) + [0xFF] + Array("b".utf8)))
        #expect(try PathGlob("sessions/*").matches(Array("sessions/".utf8) + [0xC3, 0x28]))
        // Many stars against a long name that almost matches: quadratic at worst, never exponential.
        let started = MonotonicClock.now
        #expect(try !matches(String(repeating: "*a", count: 500) + "b", String(repeating: "a", count: 4000)))
        #expect(MonotonicClock.now - started < 5)
    }

    @Test func anEntryAppliesUntilTheEndOfItsExpiryDay() throws {
        let suppressions = try Self.parse("suppress rule=JG030 reason=x expires=2027-01-31\nsuppress rule=JG031 reason=y")
        let path = Array("sessions/a.json".utf8)
        #expect(suppressions.suppression(ruleID: "JG030", path: path, today: Self.day20270131)
            == Suppression(reason: "x", source: "config:1", expires: "2027-01-31"))
        #expect(suppressions.suppression(ruleID: "JG030", path: path, today: Self.day20270131 + 1) == nil)
        #expect(suppressions.expired(today: Self.day20270131).isEmpty)
        #expect(suppressions.expired(today: Self.day20270131 + 1).map(\.line) == [1])
        #expect(suppressions.suppression(ruleID: "JG031", path: path, today: .max)?.source == "config:2")
        #expect(suppressions.suppression(ruleID: "JG025", path: path, today: 0) == nil)
    }

    @Test func ignoreTakesKnownRuleListsAndComesFirst() throws {
        var suppressions = try Self.parse("suppress rule=JG030 reason=x")
        try suppressions.ignore("JG030,JG031")
        try suppressions.ignore("JG031")
        #expect(suppressions.ignoredRules == ["JG030", "JG031"])
        #expect(suppressions.suppression(ruleID: "JG030", path: [], today: 0) == Suppression(reason: Suppressions.ignoreReason, source: "--ignore", expires: nil))
        #expect(throws: SuppressionError.self) { try suppressions.ignore("JG030,nope") }
        let empty = #expect(throws: SuppressionError.self) { try suppressions.ignore("") }
        #expect(empty?.description == "--ignore: an empty rule id in ''")
    }

    /// A suppressed finding stays in the report, marked; it is counted apart and never decides the exit
    /// status; patterns see the path relative to the data directory; an expired entry becomes a finding.
    @Test func theReportKeepsSuppressedFindingsMarkedButDoesNotCountThem() throws {
        let config = """
        suppress rule=JG030 path=sessions/a*.json reason="restored from backup"
        suppress path=. reason="shared directory"
        suppress rule=JG025 reason=old expires=2000-01-01
        """
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        report.suppressions = try Self.parse(config)
        report.today = Self.day20270131
        var run = AuditRun(AuditConfiguration(home: "/h"))
        run.report = report
        run.reportExpiredSuppressions()
        report = run.report
        report.add(Rules.signatureInvalid, "/h/.jido_code/sessions/a1.json", "mismatch")
        report.add(Rules.signatureInvalid, "/h/.jido_code/sessions/b1.json", "mismatch")
        report.add(Rules.directoryReadableByOthers, "/h/.jido_code", "mode 0755")
        report.add(Rules.sessionReadableByOthers, "/h/.jido_code/sessions/a1.json", "mode 0644")
        #expect(report.findings.count == 5)
        #expect(report.findings.map { $0.suppression?.source } == [nil, "config:1", nil, "config:2", nil])
        #expect(report.findings.first?.rule == Rules.suppressionExpired && report.findings.first?.path == "/etc/cfg")
        #expect(report.findings.first?.message == "line 3 (rule=JG025) expired after 2000-01-01; it no longer suppresses anything")
        #expect(report.suppressedCount == 2)
        #expect(report.total(.error) == 1 && report.total(.warning) == 2)
        #expect(report.count(atLeast: .error) == 1)
        #expect(report.relativePath(Array("/h/.jido_code/sessions/x".utf8)) == Array("sessions/x".utf8))
        #expect(report.relativePath(Array("/h/.jido_codex".utf8)) == Array("/h/.jido_codex".utf8))
    }

    @Test func suppressedFindingsPastTheListingLimitAreCountedApart() throws {
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        report.suppressions = try Self.parse("suppress rule=JG030 reason=x")
        for n in 0..<(AuditReport.maxListedFindings + 3) { report.add(Rules.signatureInvalid, "/h/\(n)", "x") }
        report.add(Rules.signatureMissing, "/h/y", "x")
        #expect(report.suppressedCount == AuditReport.maxListedFindings + 3 && report.unlistedCount == 4)
        #expect(report.count(atLeast: .error) == 0 && report.total(.warning) == 1)
    }

    @Test func theDefaultFileFollowsXDG() {
        #expect(Suppressions.defaultFile(environment: ["HOME": "/home/me"]) == "/home/me/.config/jido-audit/config")
        #expect(Suppressions.defaultFile(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "/cfg"]) == "/cfg/jido-audit/config")
        #expect(Suppressions.defaultFile(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "relative"]) == "/home/me/.config/jido-audit/config",
                "the XDG spec ignores a relative path")
        #expect(Suppressions.defaultFile(environment: ["XDG_CONFIG_HOME": ""]) == nil)
    }

    /// The file hides findings, so who can write it matters: a real file of another uid (65534; the tests
    /// run as root), a group- or other-writable one, a link or a directory is refused; the user's or root's,
    /// readable by all, is accepted; a missing default file is no file.
    @Test func onlyAFileNoOtherUserCanWriteIsRead() throws {
        try withTemporaryDirectory { root in
            let file = root + "/config"
            try writeFile(file, Array("suppress rule=JG030 reason=x\n".utf8), mode: 0o644)
            #expect(try Suppressions.load(file: file, mustExist: true)?.entries.count == 1)
            func refusal() -> String {
                do {
                    _ = try Suppressions.load(file: file, mustExist: true)
                    return "accepted"
                } catch {
                    return error.description
                }
            }
            try #require(chown(file, 65534, 65534) == 0, "the tests run as root")
            #expect(refusal() == "suppressions file \(file): refused: it belongs to uid 65534, and must belong to you (uid \(geteuid())) "
                + "or root, as a file that others can change could hide findings (chown it)")
            #expect(chown(file, 0, 0) == 0 && chmod(file, 0o664) == 0)
            #expect(refusal() == "suppressions file \(file): refused: mode 0664 lets group or others write to it, and a file that "
                + "others can change could hide findings (chmod go-w \(file))")
            #expect(chmod(file, 0o646) == 0 && refusal().contains("mode 0646"))
            #expect(chmod(file, 0o600) == 0 && link(file, root + "/second") == 0)
            #expect(refusal().contains("refused: it has 2 hard links"))
            #expect(unlink(root + "/second") == 0 && refusal() == "accepted")
            #expect(symlink(file, root + "/link") == 0)
            #expect(throws: SuppressionError.self) { try Suppressions.load(file: root + "/link", mustExist: true) }
            #expect(mkdir(root + "/dir", 0o700) == 0)
            #expect(throws: SuppressionError.self) { try Suppressions.load(file: root + "/dir", mustExist: true) }
            #expect(try Suppressions.load(file: root + "/missing", mustExist: false) == nil)
            #expect(throws: SuppressionError.self) { try Suppressions.load(file: root + "/missing", mustExist: true) }
        }
    }
}
