import Foundation

/// Test-only helpers shared by the test targets (not a product).
///
/// Locates the shared JidoCode vectors: `$JIDO_VECTORS_DIR`, else `<repo>/../shared/vectors/jidocode-v1`.
/// A missing folder is a test failure (thrown), never a skip.
public enum TestVectors {
    public struct Missing: Error, CustomStringConvertible {
        let path: String
        public var description: String { "JidoCode vectors not found at \(path); set JIDO_VECTORS_DIR" }
    }

    public static func repositoryRoot(file: String = #filePath) -> URL {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    public static func directory() throws -> URL {
        let url: URL
        if let env = ProcessInfo.processInfo.environment["JIDO_VECTORS_DIR"], !env.isEmpty {
            url = URL(fileURLWithPath: env)
        } else {
            url = repositoryRoot().deletingLastPathComponent().appendingPathComponent("shared/vectors/jidocode-v1")
        }
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
