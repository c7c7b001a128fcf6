import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

@Suite struct ProjectDirectoryTests {
    @Test func detectsASwapOfThePathAndKeepsTheOriginalDescriptor() throws {
        try withTemporaryDirectory { root in
            let project = root + "/project"
            #expect(mkdir(project, 0o755) == 0)
            try writeFile(project + "/marker", Array("original".utf8))
            let opened = try ProjectDirectory(path: project)
            try opened.revalidate()
            // Swap: move the directory away and put a symlink to another one in its place.
            #expect(rename(project, root + "/moved") == 0)
            #expect(mkdir(root + "/attacker", 0o755) == 0)
            #expect(symlink(root + "/attacker", project) == 0)
            #expect(throws: ProjectDirectory.Problem.self) { try opened.revalidate() }
            // The held descriptor still reaches the original directory.
            let marker = try CheckedFileReader.read("marker", in: opened.descriptor, policy: FilePolicy(maxBytes: 100))
            #expect(marker.bytes == Array("original".utf8))
        }
    }

    @Test func refusesDirectoriesOthersCanWriteOrOwn() throws {
        try withTemporaryDirectory { root in
            #expect(mkdir(root + "/open", 0o777) == 0)
            chmod(root + "/open", 0o777)
            #expect(throws: ProjectDirectory.Problem.writableByOthers(FilePermissions(rawValue: 0o777))) {
                try ProjectDirectory(path: root + "/open")
            }
            #expect(mkdir(root + "/theirs", 0o755) == 0)
            #expect(chown(root + "/theirs", 65534, 65534) == 0)
            #expect(throws: ProjectDirectory.Problem.notOwned(owner: 65534)) { try ProjectDirectory(path: root + "/theirs") }
            #expect(throws: ProjectDirectory.Problem.notFound) { try ProjectDirectory(path: root + "/none") }
        }
    }

    @Test func detectsAModeChange() throws {
        try withTemporaryDirectory { root in
            #expect(mkdir(root + "/p", 0o700) == 0)
            let opened = try ProjectDirectory(path: root + "/p")
            chmod(root + "/p", 0o755)
            #expect(throws: ProjectDirectory.Problem.changed(["mode"])) { try opened.revalidate() }
        }
    }
}

@Suite struct RateLimiterTests {
    @Test func perKeyAndGlobalSlidingWindows() {
        let limiter = RateLimiter(window: .seconds(10), perKeyLimit: 2, globalLimit: 3)
        let start = ContinuousClock.now
        func at(_ seconds: Double) -> ContinuousClock.Instant { start + .seconds(seconds) }
        #expect(limiter.allow("a", now: at(0)))
        #expect(limiter.allow("a", now: at(1)))
        #expect(!limiter.allow("a", now: at(2)))
        #expect(limiter.allow("b", now: at(3)))
        #expect(!limiter.allow("c", now: at(4)), "global limit")
        #expect(!limiter.allow("a", now: at(9.9)), "the first attempt is still in the window")
        #expect(limiter.allow("a", now: at(10.5)), "the first attempt left the window")
    }

    @Test func memoryStaysBoundedUnderAFloodOfKeys() {
        let limiter = RateLimiter(window: .seconds(60), perKeyLimit: 3, globalLimit: 1_000_000, maxTrackedKeys: 1_000)
        let start = ContinuousClock.now
        for n in 0..<100_000 { _ = limiter.allow("key-\(n)", now: start + .milliseconds(n)) }
        #expect(limiter.trackedKeys <= 1_000)
    }
}
