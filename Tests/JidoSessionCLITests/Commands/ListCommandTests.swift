import Foundation
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

@Suite struct ListCommandTests {
    @Test func listsEveryVectorSessionWithItsVerdict() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let run = session(["list", "--home", home, "--hostname", SessionFixture.hostname, "--format", "json"])
            #expect(run.status == 0, "\(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let rows = object?["sessions"] as? [[String: Any]] ?? []
            #expect(rows.count == 5)
            #expect(rows.allSatisfy { $0["verdict"] as? String == "valid" })
            let long = rows.first { $0["id"] as? String == SessionFixture.longSession }
            #expect(long?["message_count"] as? Int == 200)
            #expect(long?["name"] as? String == "my-project")
            #expect(long?["project_path"] as? String == "/home/user/projects/my-project")
            #expect(long?["updated_at"] as? String == "2025-12-16T15:45:30.123456Z")
        }
    }

    @Test func anotherHostnameMakesEverySessionInvalidAndExitsOne() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let run = session(["list", "--home", home, "--hostname", "elsewhere"])
            #expect(run.status == 1)
            #expect(run.stdout.contains("5 sessions, 0 valid (hostname \"elsewhere\")"))
            #expect(run.stdout.split(separator: "\n").filter { $0.contains(" invalid ") }.count == 5)
        }
    }

    /// The previous attempt's defect: a read command with --secret-file created the data directory.
    @Test func readingCreatesNothing() throws {
        try withTemporaryDirectory { root in
            try SessionFixture.writeSecret(root + "/secret", seed: 1)
            let home = root + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
            let before = SessionFixture.tree(root)
            for command in [["list"], ["show", SessionFixture.longSession], ["export", SessionFixture.longSession]] {
                let run = session(command + ["--home", home, "--secret-file", root + "/secret"])
                #expect(run.status == (command == ["list"] ? 0 : 3), "\(command): \(run.stderr)")
            }
            #expect(SessionFixture.tree(root) == before)
            #expect(!FileManager.default.fileExists(atPath: home + "/.jido_code"))
        }
    }

    @Test func noSecretIsStatusThreeAndCreatesNone() throws {
        try withTemporaryDirectory { root in
            let run = session(["list", "--home", root])
            #expect(run.status == 3)
            #expect(run.stderr.hasPrefix("jido-session list: machine secret:"))
            #expect(SessionFixture.tree(root).isEmpty)
        }
    }

    @Test func noSubcommandLists() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            #expect(session(["--home", home, "--hostname", SessionFixture.hostname]).stdout
                == session(["list", "--home", home, "--hostname", SessionFixture.hostname]).stdout)
        }
    }
}
