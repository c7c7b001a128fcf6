import Foundation

/// Test-only helpers shared by the test targets (not a product).
///
/// Locates the JidoCode vectors copied into the repository (`Tests/Fixtures/jidocode-v1`, a verbatim copy of
/// `shared/vectors/jidocode-v1`), so a fresh clone tests with nothing beside it. A missing folder is a test
/// failure (thrown), never a skip.
public enum TestVectors {
    /// 2026-01-01T00:00:00Z, the time of the sessions and messages tests make.
    public static let january1 = Date(timeIntervalSince1970: 1_767_225_600)

    public struct Missing: Error, CustomStringConvertible {
        let path: String
        public var description: String { "JidoCode vectors not found at \(path)" }
    }

    public static func repositoryRoot(file: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `Tests/Fixtures` of this checkout.
    public static func fixtures() -> URL { repositoryRoot().appendingPathComponent("Tests/Fixtures") }

    public static func directory() throws -> URL {
        let url = fixtures().appendingPathComponent("jidocode-v1")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Missing(path: url.path)
        }
        return url
    }

    /// One line of `canonical.jsonl`: input bytes and either the canonical bytes or an error text.
    public struct CanonicalCase: Sendable {
        public let line: Int
        public let input: [UInt8]
        public let canonical: [UInt8]?
        public let error: String?
    }

    public static func canonicalCases() throws -> [CanonicalCase] {
        let text = try String(contentsOf: directory().appendingPathComponent("canonical.jsonl"), encoding: .utf8)
        var cases: [CanonicalCase] = []
        for (index, line) in text.split(separator: "\n").enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            let input = (object["input_b64"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            let canonical = (object["canonical_b64"] as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            cases.append(CanonicalCase(line: index + 1, input: input ?? [], canonical: canonical, error: object["error"] as? String))
        }
        return cases
    }

    public static func readBytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }
}
