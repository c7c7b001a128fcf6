import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `AtomicFileWriter.replace`: the new file is in place at once, the replaced one is only unlinked
/// until `complete()` (its blocks are freed at that close, not inside the rename), and whatever sat
/// at the name is never opened for I/O.
@Suite struct AtomicFileWriterTests {
    func withDirectory<R>(_ body: (FileDescriptor, String) throws -> R) throws -> R { try withDirectoryDescriptor(body) }

    @Test func theReplacedFileLivesUntilComplete() throws {
        try withDirectory { dir, root in
            try AtomicFileWriter.write(Array("old contents".utf8), as: "f.json", in: dir)
            let old = try dir.status(of: "f.json")
            let pending = try AtomicFileWriter.replace(parts: [Array("new".utf8)[...]], as: "f.json", in: dir)
            #expect(try CheckedFileReader.read(path: PathBytes(root + "/f.json"), policy: FilePolicy(maxBytes: 100)).bytes == Array("new".utf8))
            let held = try #require(pending.replaced, "the replaced file is held")
            let status = try held.status()
            #expect(status.inode == old.inode && status.linkCount == 0, "unlinked, not freed")
            try pending.complete()
            #expect(try dir.entries().entries.map(\.name) == ["f.json"], "no temporary left")
        }
    }

    /// A FIFO planted at the name is replaced without being opened (an open for reading would block).
    @Test func aFIFOAtTheNameIsReplacedWithoutBeingOpened() throws {
        try withDirectory { dir, root in
            #expect(mkfifo(root + "/f.json", 0o600) == 0)
            let pending = try AtomicFileWriter.replace(parts: [Array("new".utf8)[...]], as: "f.json", in: dir)
            #expect(try pending.replaced?.status().type == .fifo)
            try pending.complete()
            #expect(try dir.status(of: "f.json").type == .regular)
        }
    }

    @Test func nothingToHoldWhenTheNameIsNew() throws {
        try withDirectory { dir, _ in
            let pending = try AtomicFileWriter.replace(parts: [Array("new".utf8)[...]], as: "g.json", in: dir)
            #expect(pending.replaced == nil)
            try pending.complete()
            #expect(try dir.status(of: "g.json").size == 3)
        }
    }
}
