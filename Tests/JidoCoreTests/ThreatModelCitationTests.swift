import Foundation
import JidoTestSupport
import Testing

/// ThreatModel.md cites its proving tests as `Suite/test`; each must exist, so the document cannot rot.
@Suite struct ThreatModelCitationTests {
    /// Every `Suite/test` cited in backticks in ThreatModel.md.
    static func citations() throws -> [(suite: String, test: String)] {
        let text = try String(contentsOf: TestVectors.repositoryRoot().appendingPathComponent("ThreatModel.md"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "`([A-Z][A-Za-z0-9]*Tests)/([a-z][A-Za-z0-9]*)`")
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match in
            guard let suite = Range(match.range(at: 1), in: text), let test = Range(match.range(at: 2), in: text) else { return nil }
            return (String(text[suite]), String(text[test]))
        }
    }

    /// The source of every Swift file under Tests/, by path.
    static func testSources() throws -> [String: String] {
        let root = TestVectors.repositoryRoot().appendingPathComponent("Tests")
        var sources: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "swift" { sources[url.path] = try String(contentsOf: url, encoding: .utf8) }
        }
        return sources
    }

    @Test func everyCitedTestExists() throws {
        let citations = try Self.citations()
        #expect(citations.count >= 40, "ThreatModel.md should cite its proving tests")
        let sources = try Self.testSources()
        for (suite, test) in citations {
            let found = sources.values.contains { source in
                source.contains("struct \(suite)") && source.contains("func \(test)(")
            }
            #expect(found, "ThreatModel.md cites \(suite)/\(test), which does not exist")
        }
    }
}
