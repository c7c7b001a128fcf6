import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `FileDescriptor.entries`: what it lists, and its `fdopendir`/`readdir` failures, injected through
/// the same seam as every other call.
@Suite struct DirectoryListingTests {
    func withDirectory<R>(_ names: [String], _ body: (FileDescriptor, String) throws -> R) throws -> R {
        try withTemporaryDirectory { root in
            for name in names { try writeFile(root + "/" + name, []) }
            let fd = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? fd.close() }
            return try body(fd, root)
        }
    }

    @Test func listsEveryEntryButDotAndDotDotAndKeepsTheDescriptor() throws {
        try withDirectory(["a", "b", ".hidden"]) { fd, _ throws in
            let first = try fd.entries()
            #expect(first.entries.compactMap(\.name).sorted() == [".hidden", "a", "b"] && !first.truncated)
            // Listing again through the same descriptor gives the same entries (a duplicate is read).
            #expect(try fd.entries().entries.compactMap(\.name).sorted() == [".hidden", "a", "b"])
            let limited = try fd.entries(limit: 2)
            #expect(limited.entries.count == 2 && limited.truncated)
        }
    }

    @Test func aNameThatIsNotUTF8HasNoText() throws {
        try withDirectory([]) { fd, _ throws in
            let raw: [UInt8] = [0x66, 0xFF, 0x6F]
            let name = raw.map { CChar(bitPattern: $0) } + [0]
            let created = name.withUnsafeBufferPointer { buffer -> CInt in
                guard let base = buffer.baseAddress else { return -1 }
                return openat(fd.rawValue, base, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            }
            try #require(created >= 0)
            close(created)
            let entries = try fd.entries().entries
            #expect(entries.map(\.nameBytes) == [raw])
            #expect(entries.first?.name == nil)
        }
    }

    @Test(arguments: [EIO, EBADF])
    func aFailingReaddirThrowsInsteadOfReturningPart(_ code: CInt) throws {
        try withDirectory(["a", "b", "c", "d"]) { fd, _ throws in
            let faults = SyscallFaults()
            faults.fail(.readdir, errno: code, after: 2)
            let outcome = SyscallFaults.$current.withValue(faults) { Result { () throws(SystemCallError) in try fd.entries() } }
            #expect(throws: SystemCallError("readdir", errno: Errno(rawValue: code))) { try outcome.get() }
            #expect(faults.count(.readdir) == 3, "the third readdir failed, after entries were read")
            #expect(try fd.entries().entries.count == 4, "the next listing works")
        }
    }

    @Test func aFailingOpendirThrowsAndClosesTheDuplicate() throws {
        try withDirectory(["a"]) { fd, _ throws in
            let faults = SyscallFaults()
            faults.fail(.opendir, errno: ENOMEM)
            SyscallFaults.$current.withValue(faults) {
                #expect(throws: SystemCallError("fdopendir", errno: Errno(rawValue: ENOMEM))) { try fd.entries() }
            }
            #expect(faults.count(.opendir) == 1 && faults.count(.readdir) == 0)
            #expect(try fd.entries().entries.compactMap(\.name) == ["a"])
        }
    }

    /// The store lists through the same call: a listing failure is an error, never an empty store.
    @Test func theStoreReportsAListingFailure() throws {
        try withTemporaryDirectory { home in
            let store = try SessionStore.open(home: home, hostname: "listing-host")
            try store.save(Session(id: try SessionID.random(), name: "n", projectPath: "/p", createdAt: TestVectors.january1))
            let faults = SyscallFaults()
            faults.fail(.readdir, errno: EIO, times: 3)
            SyscallFaults.$current.withValue(faults) {
                #expect(throws: StoreError.io(SystemCallError("readdir", errno: .ioError))) { try store.list() }
                #expect(store.removeStaleTemporaryFiles() == 0)
            }
            #expect(try store.list().count == 1)
        }
    }
}
