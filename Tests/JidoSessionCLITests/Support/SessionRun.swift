import Foundation
import Glibc
import JidoTestSupport
@testable import JidoSessionCLI

/// Runs `jido-session` in process with `arguments` and a controlled environment.
func session(_ arguments: [String], environment: [String: String] = [:]) -> CLIRun {
    runInProcess(JidoSessionCommand.self, bytes: arguments.map { Array($0.utf8) }, environment: environment)
}

/// The `basic` vector store (signed by JidoCode on hostname `devbox`), with modes the store trusts.
enum SessionFixture {
    static let hostname = "devbox"
    static let longSession = "e5f6a7b8-c9da-4ebf-a011-223344556677"  // 200 messages
    static let unicodeSession = "0b9d3c2a-7e41-4f8a-b6c5-1a2b3c4d5e6f"

    /// A copy of the `basic` store under `root` (0700 directories, 0600 files); returns the home.
    static func basicHome(in root: String) throws -> String {
        let home = try copyVectorStore("basic", into: root + "/a")
        chmod(home + "/.jido_code", 0o700)
        chmod(home + "/.jido_code/sessions", 0o700)
        return home
    }

    /// A fresh 64-hex-digit machine secret at `path` (0600), as JidoCode creates one.
    static func writeSecret(_ path: String, seed: UInt8) throws {
        let hex = (0..<32).map { String(format: "%02x", UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed))) }.joined()
        try writeFile(path, Array(hex.utf8), mode: 0o600)
    }

    /// Every path below `root`, relative to it, sorted: what a command may have created.
    static func tree(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }

    /// A session document (unsigned JSON) whose name, project and message carry control and invisible
    /// characters.
    static let hostileID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    static let hostileJSON = #"""
    {"version":1,"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","name":"evil\u001b[2Jname","project_path":"/p\u202eroj",
     "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-02T03:04:05.123456Z","closed_at":"2025-01-02T03:04:06Z",
     "config":{},"todos":[],"conversation":[{"id":"m1","role":"user","timestamp":"2025-01-01T00:00:01Z",
     "content":"first\r\nsecond\u200bzero\u0007bell\u0085nel"}]}
    """#
}

/// Whether `text` holds a character a terminal would act on or hide (anything but printable text,
/// spaces and line feeds).
func hasRawControlOrInvisible(_ text: String) -> Bool {
    text.unicodeScalars.contains { scalar in
        if scalar == "\n" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
