import Foundation
import JidoTestSupport
import Testing
@testable import JidoAudit

@Suite struct RulesTests {
    @Test func ruleIDsAreUniqueStableAndDocumented() {
        let ids = Rules.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        #expect(Rules.all.allSatisfy { $0.id.hasPrefix("JG") && !$0.summary.isEmpty && !$0.help.isEmpty })
        #expect(Set(Rules.all.map(\.name)).count == ids.count)
    }

    /// README.md's rules table has one row per rule, with its anchor (SARIF's `helpUri` links to it), id, name,
    /// severity and summary.
    @Test func readmeListsEveryRule() throws {
        let readme = try String(contentsOf: TestVectors.repositoryRoot().appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| <a id=\"jg") }.map(String.init)
        #expect(rows.count == Rules.all.count, "README.md has \(rows.count) rule rows for \(Rules.all.count) rules")
        for rule in Rules.all {
            let row = "| <a id=\"\(rule.id.lowercased())\"></a>\(rule.id) | \(rule.name) | \(rule.severity.rawValue) | \(rule.summary) |"
            #expect(rows.contains(row), "README.md lacks or misstates \(rule.id): \(row)")
        }
    }
}

/// A store of hostile files cannot grow the report without bound: past the listing limit findings
/// are counted, still decide the exit status, and are announced in the summary.
@Suite struct FindingLimitTests {
    @Test func findingsPastTheLimitAreCountedNotListed() {
        var report = AuditReport(home: "/h", dataDirectory: "/h/.jido_code")
        for n in 0..<(AuditReport.maxListedFindings + 5) {
            report.add(n < AuditReport.maxListedFindings ? Rules.strayFile : Rules.signatureInvalid, "/h/\(n)", "x")
        }
        #expect(report.findings.count == AuditReport.maxListedFindings)
        #expect(report.unlistedCount == 5 && report.total(.error) == 5)
        #expect(report.count(atLeast: .error) == 5, "unlisted errors still fail the run")
    }
}
