import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

/// The read-only view of a store: what it refuses to follow, and what it reports instead of reading.
@Suite struct SessionDirectoryTests {
    /// A `sessions` that is a symbolic link is not followed: status 3, the directory named.
    @Test func aSymlinkedSessionsDirectoryIsRefused() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let data = home + "/.jido_code"
            try FileManager.default.moveItem(atPath: data + "/sessions", toPath: root + "/elsewhere")
            try FileManager.default.createSymbolicLink(atPath: data + "/sessions", withDestinationPath: root + "/elsewhere")
            let run = session(["list", "--home", home, "--hostname", SessionFixture.hostname])
            #expect(run.status == 3)
            #expect(run.stderr.contains("cannot open \(data)/sessions"))
            #expect(run.stdout.isEmpty)
        }
    }

    /// A session file that is a symbolic link is never read: listed as unreadable (status 1), and `show` refuses it.
    @Test func aSymlinkedSessionFileIsNotRead() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let file = home + "/.jido_code/sessions/\(SessionFixture.unicodeSession).json"
            try FileManager.default.moveItem(atPath: file, toPath: root + "/target.json")
            try FileManager.default.createSymbolicLink(atPath: file, withDestinationPath: root + "/target.json")
            let flags = ["--home", home, "--hostname", SessionFixture.hostname]
            let list = session(["list", "--format", "json"] + flags)
            #expect(list.status == 1)
            let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
            let row = (rows?["sessions"] as? [[String: Any]])?.first { $0["id"] as? String == SessionFixture.unicodeSession }
            #expect(row?["verdict"] as? String == "unreadable")
            #expect(row?["name"] is NSNull)
            let show = session(["show", SessionFixture.unicodeSession] + flags)
            #expect(show.status == 3)
            #expect(show.stdout.isEmpty)
        }
    }

    /// Names that are not `<uuid>.json` are not sessions: ignored, never opened.
    @Test func otherNamesAreIgnored() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let sessions = home + "/.jido_code/sessions/"
            try writeFile(sessions + "notes.txt", Array("x".utf8))
            try writeFile(sessions + "7C9E6679-7425-40DE-944B-E07FC1F90AE7.json", Array("{}".utf8))
            mkfifo(sessions + "fifo.json", 0o600)
            let run = session(["list", "--home", home, "--hostname", SessionFixture.hostname])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("5 sessions, 5 valid (hostname \"devbox\")\n"))
        }
    }
}
