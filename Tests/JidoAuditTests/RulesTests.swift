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
}
