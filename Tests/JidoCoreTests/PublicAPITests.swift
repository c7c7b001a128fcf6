import Foundation
import JidoTestSupport
import Testing

/// JidoCore's public API is pinned: every public declaration, with its full signature, is listed in
/// `Tests/JidoCoreTests/PublicAPI.txt`. Adding, removing or changing one fails here until the list is
/// updated on purpose (`JIDO_UPDATE_PUBLIC_API=1 swift test --filter PublicAPITests` rewrites it).
///
/// The list comes from the toolchain's own `swift-symbolgraph-extract` run on the JidoCore module
/// this test was built with (public symbols only; protocol conformances' inherited defaults left out).
@Suite struct PublicAPITests {
    static var listURL: URL { TestVectors.repositoryRoot().appendingPathComponent("Tests/JidoCoreTests/PublicAPI.txt") }

    @Test func thePublicAPIIsTheListedOne() throws {
        let current = try Self.publicDeclarations()
        #expect(current.count > 100, "the extraction found JidoCore's API")
        if ProcessInfo.processInfo.environment["JIDO_UPDATE_PUBLIC_API"] == "1" {
            try (current.joined(separator: "\n") + "\n").write(to: Self.listURL, atomically: true, encoding: .utf8)
        }
        let listed = try String(contentsOf: Self.listURL, encoding: .utf8).split(separator: "\n").map(String.init)
        let added = current.filter { !listed.contains($0) }
        let removed = listed.filter { !current.contains($0) }
        #expect(added.isEmpty && removed.isEmpty, """
            JidoCore's public API changed. If that is intended, update Tests/JidoCoreTests/PublicAPI.txt \
            (JIDO_UPDATE_PUBLIC_API=1 swift test --filter PublicAPITests) and README's library section.
            added:\n\(added.joined(separator: "\n"))
            removed:\n\(removed.joined(separator: "\n"))
            """)
    }

    /// The module maps of JidoCore's C targets (the generated ones in the build directory, CLibCrypto's
    /// in the sources), for a compiler run that loads the built JidoCore module.
    static func moduleMapFlags(buildDirectory: URL, root: String) -> [String] {
        ["CSystemShims", "CByteSearch"].flatMap { ["-Xcc", "-fmodule-map-file=" + buildDirectory.appendingPathComponent("\($0).build/module.modulemap").path] }
            + ["-Xcc", "-fmodule-map-file=" + root + "/Sources/CLibCrypto/module.modulemap"]
    }

    /// "Path: declaration" for every public symbol of JidoCore, sorted.
    static func publicDeclarations() throws -> [String] {
        // The test bundle sits in the build directory, beside `Modules/` and the C targets' module maps.
        let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let modules = buildDirectory.appendingPathComponent("Modules")
        let output = try withTemporaryDirectory { directory -> Data in
            let root = TestVectors.repositoryRoot().path
            let result = try runCommand("/usr/bin/env", [
                "swift-symbolgraph-extract", "-module-name", "JidoCore", "-target", "x86_64-unknown-linux-gnu",
                "-I", modules.path,
            ] + moduleMapFlags(buildDirectory: buildDirectory, root: root) + [
                "-minimum-access-level", "public", "-output-dir", directory,
            ])
            guard result.status == 0 else { throw ExtractionFailed(output: result.output) }
            return try Data(contentsOf: URL(fileURLWithPath: directory + "/JidoCore.symbols.json"))
        }
        guard let graph = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let symbols = graph["symbols"] as? [[String: Any]] else { throw ExtractionFailed(output: "no symbols") }
        var lines: Set<String> = []
        for symbol in symbols {
            guard let identifier = symbol["identifier"] as? [String: Any], let precise = identifier["precise"] as? String,
                  !precise.contains("::SYNTHESIZED::"),
                  let path = symbol["pathComponents"] as? [String],
                  let fragments = symbol["declarationFragments"] as? [[String: Any]] else { continue }
            let declaration = fragments.compactMap { $0["spelling"] as? String }.joined()
            lines.insert(path.joined(separator: ".") + ": " + declaration.replacingOccurrences(of: "\n", with: " "))
        }
        return lines.sorted()
    }

    struct ExtractionFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "swift-symbolgraph-extract failed: \(output)" }
    }

    /// Runs a command, returning its exit status and combined output.
    static func runCommand(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
