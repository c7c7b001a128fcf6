import Foundation
import JidoTestSupport
import Testing

/// The code a reader copies compiles: every ```swift block of README's library section and of the DocC
/// catalog (`Sources/JidoCore/JidoCore.docc`) is type-checked against the JidoCore module this test was
/// built with, by the toolchain's own `swiftc -typecheck`, in Swift 6 mode; a warning fails too (but that a
/// value the sample binds to show it is never used).
///
/// Each block becomes the body of a function of its own (its `import` lines moved to the top), marked with
/// `#sourceLocation`, so a diagnostic names the markdown file and line of the sample.
@Suite struct DocumentationSamplesTests {
    struct Sample {
        let file: String
        let line: Int
        let code: [String]
    }

    /// The ```swift blocks of `text`, with the line each starts on (the first line of code).
    static func swiftBlocks(in text: String, file: String) -> [Sample] {
        var samples: [Sample] = []
        var current: (line: Int, code: [String])?
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if var block = current {
                if line.trimmingCharacters(in: .whitespaces) == "```" {
                    samples.append(Sample(file: file, line: block.line, code: block.code))
                    current = nil
                } else {
                    block.code.append(line)
                    current = block
                }
            } else if line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = (index + 2, [])
            }
        }
        return samples
    }

    static func samples() throws -> [Sample] {
        let root = TestVectors.repositoryRoot()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        // The library section only: from its heading to the next second-level heading.
        guard let start = readme.range(of: "\n## Library\n") else { return [] }
        let rest = readme[start.upperBound...]
        let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
        let offset = readme[..<start.upperBound].components(separatedBy: "\n").count - 1
        var samples = swiftBlocks(in: String(rest[..<end]), file: "README.md").map {
            Sample(file: $0.file, line: $0.line + offset, code: $0.code)
        }
        let catalog = root.appendingPathComponent("Sources/JidoCore/JidoCore.docc")
        let articles = try FileManager.default.contentsOfDirectory(atPath: catalog.path).filter { $0.hasSuffix(".md") }.sorted()
        for article in articles {
            let text = try String(contentsOf: catalog.appendingPathComponent(article), encoding: .utf8)
            samples += swiftBlocks(in: text, file: "Sources/JidoCore/JidoCore.docc/" + article)
        }
        return samples
    }

    /// One Swift file holding every sample, each in a function of its own: `async` when the sample
    /// awaits (in a synchronous one, the store's blocking calls are chosen, as at a sample's top level).
    static func program(_ samples: [Sample]) -> String {
        var imports: Set<String> = []
        var bodies: [String] = []
        for (index, sample) in samples.enumerated() {
            let effects = sample.code.contains { $0.contains("await ") } ? "async throws" : "throws"
            // One line directive: the sample's lines follow it one for one (an import leaves an empty line).
            var body = ["func sample\(index)() \(effects) {", "#sourceLocation(file: \"\(sample.file)\", line: \(sample.line))"]
            for line in sample.code {
                if line.hasPrefix("import ") {
                    imports.insert(line)
                    body.append("")
                } else {
                    body.append(line)
                }
            }
            body.append("#sourceLocation()")
            body.append("}")
            bodies.append(body.joined(separator: "\n"))
        }
        return (imports.sorted() + [""] + bodies).joined(separator: "\n") + "\n"
    }

    @Test func readmeAndDocCSamplesCompile() throws {
        let samples = try Self.samples()
        #expect(samples.filter { $0.file == "README.md" }.count >= 3, "README's library section has its samples")
        #expect(samples.filter { $0.file != "README.md" }.count >= 6, "the DocC articles have their samples")
        let result = try Self.typecheck(samples)
        #expect(result.status == 0, "a documentation sample does not compile:\n\(result.output)")
        // A sample may bind a value only to show it (a warning in a function body); any other warning counts.
        let warnings = result.output.components(separatedBy: "\n").filter { $0.contains("warning:") && !$0.contains("never used") }
        #expect(warnings.isEmpty, "\(warnings.joined(separator: "\n"))")
    }

    /// The checker can fail: a sample calling what JidoCore does not have is reported at its markdown line.
    @Test func aBrokenSampleIsReportedAtItsLine() throws {
        let samples = Self.swiftBlocks(in: "text\n```swift\nimport JidoCore\nlet x = SessionStore.nonexistent\n```\n", file: "X.md")
        #expect(samples.count == 1 && samples.first?.line == 3)
        let result = try Self.typecheck(samples)
        #expect(result.status != 0)
        #expect(result.output.contains("X.md:4:"), "\(result.output)")
    }

    /// `swiftc -typecheck` of `samples` against the built JidoCore module.
    static func typecheck(_ samples: [Sample]) throws -> (status: Int32, output: String) {
        let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = TestVectors.repositoryRoot().path
        return try withTemporaryDirectory { directory -> (status: Int32, output: String) in
            let source = directory + "/Samples.swift"
            try Self.program(samples).write(toFile: source, atomically: true, encoding: .utf8)
            return try PublicAPITests.runCommand("/usr/bin/env", [
                "swiftc", "-typecheck", "-swift-version", "6",
                "-I", buildDirectory.appendingPathComponent("Modules").path,
            ] + PublicAPITests.moduleMapFlags(buildDirectory: buildDirectory, root: root) + [
                source,
            ])
        }
    }
}
