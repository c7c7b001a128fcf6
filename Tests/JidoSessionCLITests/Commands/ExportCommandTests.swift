import Foundation
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

@Suite struct ExportCommandTests {
    @Test func exportsTheStoredBytesExactly() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let file = home + "/.jido_code/sessions/\(SessionFixture.unicodeSession).json"
            let run = session(["export", SessionFixture.unicodeSession, "--home", home, "--hostname", SessionFixture.hostname])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(Array(run.stdout.utf8) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
        }
    }

    @Test func refusesASessionThatDoesNotVerify() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let run = session(["export", SessionFixture.unicodeSession, "--home", home, "--hostname", "elsewhere"])
            #expect(run.status == 1)
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.contains("is invalid under this machine's key"))
            let missing = session(["export", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "--home", home, "--hostname", SessionFixture.hostname])
            #expect(missing.status == 3)
            #expect(missing.stderr.contains("no session 7c9e6679-7425-40de-944b-e07fc1f90ae7"))
        }
    }

    @Test func markdownHasTheConversation() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let run = session(["export", "--markdown", "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10", "--home", home, "--hostname", SessionFixture.hostname])
            #expect(run.status == 0)
            #expect(run.stdout.contains("## user (2025-12-16T10:31:00Z)\n\nHello, can you help me?\n"))
            #expect(run.stdout.contains("## assistant (2025-12-16T10:31:05Z)\n\nOf course! How can I help you today?\n"))
        }
    }
}
