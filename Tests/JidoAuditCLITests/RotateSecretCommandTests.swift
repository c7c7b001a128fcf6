import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAuditCLI

/// `jido-audit rotate-secret`: confirmation, exit statuses, the summary. (`SecretRotationTests` proves the
/// rotation itself; every run here passes --force: the children other tests fork inherit descriptors the
/// /proc scan would see.)
@Suite struct RotateSecretCommandTests {
    static let hostname = "cli-rot-host"

    func makeStore(_ home: String, tampered: Bool = false) throws -> [String] {
        let store = try SessionStore.open(home: home, hostname: Self.hostname)
        var paths: [String] = []
        for n in 0..<3 {
            var session = Session(id: try SessionID.random(), name: "s\(n)", projectPath: "/p", createdAt: TestVectors.january1)
            session.append(Session.Message(id: "m", role: .user, content: "hello", timestamp: TestVectors.january1))
            try store.save(session)
            paths.append(home + "/.jido_code/sessions/" + StoreLayout.sessionFile(session.id))
        }
        if tampered {
            var bytes = try TestVectors.readBytes(URL(fileURLWithPath: paths[0]))
            let i = try #require(bytes.firstIndex(of: UInt8(ascii: "h")))
            bytes[i] = UInt8(ascii: "H")
            try writeFile(paths[0], bytes)
        }
        return paths
    }

    func secret(_ home: String) throws -> [UInt8] { try TestVectors.readBytes(URL(fileURLWithPath: home + "/.jido_code/machine_secret")) }

    /// Off a terminal, without --yes: status 2, the message names --yes, nothing changed. Run as a child whose
    /// standard input is a pipe, so the test never waits on a terminal.
    @Test func withoutYesOffATerminalNothingIsChanged() throws {
        try withTemporaryDirectory { home in
            _ = try makeStore(home)
            let before = try secret(home)
            let child = Process()
            child.executableURL = productsDirectory().appendingPathComponent("jido-audit")
            child.arguments = ["rotate-secret", "--home", home, "--hostname", Self.hostname, "--force"]
            let input = Pipe(), errors = Pipe()
            child.standardInput = input
            child.standardOutput = FileHandle.nullDevice
            child.standardError = errors
            try child.run()
            try input.fileHandleForWriting.close()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            #expect(child.terminationStatus == 2 && stderr.contains("pass --yes"), "\(stderr)")
            #expect(try secret(home) == before)
        }
    }

    @Test func rotatesThenEverySessionVerifiesUnderTheNewSecret() throws {
        try withTemporaryDirectory { home in
            let paths = try makeStore(home)
            let before = try secret(home)
            let run = audit(["rotate-secret", "--home", home, "--hostname", Self.hostname, "--yes", "--force"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("secret rotated") && run.stdout.contains("3 sessions re-signed") && run.stdout.contains("kept as machine_secret.retired-"),
                    "\(run.stdout)")
            #expect(try secret(home) != before)
            let verify = audit(["verify", "--home", home, "--hostname", Self.hostname] + paths)
            #expect(verify.status == 0, "\(verify.stdout)")
            let resume = audit(["rotate-secret", "--home", home, "--hostname", Self.hostname, "--resume", "--yes", "--force"])
            #expect(resume.status == 0 && resume.stdout.contains("no unfinished rotation"))
        }
    }

    /// A file left alone is listed with its reason and makes the status 1; --dry-run says "would be".
    @Test func filesLeftAloneAreListedAndTheStatusIsOne() throws {
        try withTemporaryDirectory { home in
            let paths = try makeStore(home, tampered: true)
            let name = URL(fileURLWithPath: paths[0]).lastPathComponent
            let dry = audit(["rotate-secret", "--home", home, "--hostname", Self.hostname, "--dry-run", "--force"])
            #expect(dry.status == 1 && dry.stdout.contains("2 sessions would be re-signed") && dry.stdout.contains("\(name): invalid under the old key"),
                    "\(dry.stdout)")
            let run = audit(["rotate-secret", "--home", home, "--hostname", Self.hostname, "--yes", "--force"])
            #expect(run.status == 1 && run.stdout.contains("1 files left alone, byte for byte:\n    \(name): invalid under the old key"), "\(run.stdout)")
        }
    }

    @Test func anUnusableSecretIsStatusThreeNamingTheFix() throws {
        try withTemporaryDirectory { home in
            _ = try makeStore(home)
            chmod(home + "/.jido_code/machine_secret", 0o644)
            let run = audit(["rotate-secret", "--home", home, "--hostname", Self.hostname, "--yes", "--force"])
            #expect(run.status == 3 && run.stderr.contains("chmod 600"), "\(run.stderr)")
        }
    }
}
