import Foundation
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

@Suite struct ShowCommandTests {
    @Test func pagesTheConversation() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let run = session(["show", SessionFixture.longSession, "--home", home, "--hostname", SessionFixture.hostname,
                               "--offset", "10", "--limit", "5"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("messages  200 (showing 11-15)"))
            #expect(run.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 5)
            #expect(run.stdout.hasSuffix("(185 more: --offset 15)\n"))
        }
    }

    @Test func refusesBadPagingAndIDs() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            for arguments in [["--limit", "0"], ["--offset", "-1"], ["--limit", "x"]] {
                #expect(session(["show", SessionFixture.longSession, "--home", home] + arguments).status == 2)
            }
            let run = session(["show", "../../etc/passwd", "--home", home])
            #expect(run.status == 2)
            #expect(run.stderr.contains("is not a session id"))
        }
    }

    /// Every control or invisible character of a stored session reaches the terminal escaped.
    @Test func escapesControlAndInvisibleCharacters() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            try writeFile(root + "/hostile.json", Array(SessionFixture.hostileJSON.utf8))
            let flags = ["--home", home, "--hostname", SessionFixture.hostname]
            #expect(session(["import", root + "/hostile.json"] + flags).status == 0)
            let run = session(["show", SessionFixture.hostileID] + flags)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!hasRawControlOrInvisible(run.stdout))
            #expect(run.stdout.contains(#"name      evil\x1B[2Jname"#))
            #expect(run.stdout.contains(#"project   /p\u{202E}roj"#))
            #expect(run.stdout.contains("    first\\x0D\n    second\\u{200B}zero\\x07bell\\u{85}nel\n"))
            let markdown = session(["export", "--markdown", SessionFixture.hostileID] + flags)
            #expect(markdown.status == 0)
            #expect(!hasRawControlOrInvisible(markdown.stdout))
            #expect(markdown.stdout.hasPrefix(#"# evil\x1B[2Jname"#))
        }
    }
}
