import Foundation

/// Locates the shared JidoCode v1 vectors: `$JIDO_VECTORS_DIR` if set, otherwise
/// `<package root>/../shared/vectors/jidocode-v1`. Missing vectors are an error, never a skip.
enum TestVectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static func directory() throws -> URL {
        let filePath = #filePath
        let fileManager = FileManager.default
        func requireDirectory(_ url: URL, _ origin: String) throws -> URL {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Missing(description: "JidoCode vectors not found at \(url.path) (\(origin))")
            }
            return url
        }
        if let override = ProcessInfo.processInfo.environment["JIDO_VECTORS_DIR"], !override.isEmpty {
            return try requireDirectory(URL(fileURLWithPath: override, isDirectory: true), "from JIDO_VECTORS_DIR")
        }
        var folder = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while !fileManager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            let parent = folder.deletingLastPathComponent()
            guard parent.path != folder.path else {
                throw Missing(description: "no Package.swift above \(filePath); set JIDO_VECTORS_DIR")
            }
            folder = parent
        }
        let vectors = folder.deletingLastPathComponent()
            .appendingPathComponent("shared/vectors/jidocode-v1", isDirectory: true)
            .standardizedFileURL
        return try requireDirectory(vectors, "beside the package at \(folder.path); or set JIDO_VECTORS_DIR")
    }
}
