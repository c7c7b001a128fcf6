import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `FileDescriptor`'s calls on an entry of a directory (`open`, `status(of:)`, `linkTarget(of:)`):
/// names are bytes and need not be UTF-8, links are never followed.
@Suite struct FileDescriptorTests {
    static let nonUTF8 = PathBytes(bytes: [0x66, 0xFF, 0xFE]) // "f", then two bytes no UTF-8 sequence starts with

    func withDirectory<R>(_ body: (FileDescriptor, String) throws -> R) throws -> R { try withDirectoryDescriptor(body) }

    @Test func aNameThatIsNotUTF8IsExaminedAndOpenedByItsBytes() throws {
        try withDirectory { dir, root in
            try writeFile(pathBytes: pathBytes(root + "/", Self.nonUTF8.bytes), Array("content".utf8))
            defer { try? renameBytes(pathBytes(root + "/", Self.nonUTF8.bytes), pathBytes(root + "/f")) }
            let status = try dir.status(of: Self.nonUTF8)
            #expect(status.type == .regular && status.size == 7)
            let fd = try dir.open(Self.nonUTF8, .hardenedRead)
            let bytes = try fd.closeAfter { (fd) throws(SystemCallError) in try fd.readAll(limit: 100).bytes }
            #expect(bytes == Array("content".utf8))
            // The U+FFFD spelling names another (missing) file.
            #expect(throws: SystemCallError.self) { try dir.status(of: PathBytes(Self.nonUTF8.description)) }
        }
    }

    @Test func linksAreReadNeverFollowed() throws {
        try withDirectory { dir, root in
            try writeFile(root + "/target", Array("x".utf8))
            #expect(symlink("target", root + "/link") == 0)
            let targetBytes = [UInt8]("dir/".utf8) + Self.nonUTF8.bytes
            let cTarget = targetBytes.map { CChar(bitPattern: $0) } + [0]
            #expect(cTarget.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { symlink($0, root + "/odd-link") } ?? -1 } == 0)
            #expect(try dir.status(of: "link").type == .symbolicLink)
            #expect(try dir.linkTarget(of: "link") == Array("target".utf8))
            #expect(try dir.linkTarget(of: "odd-link") == targetBytes)
            #expect(throws: SystemCallError("openat", path: "link", errno: .tooManySymbolicLinks)) {
                try dir.open("link", .hardenedRead)
            }
            #expect(throws: SystemCallError("readlinkat", path: "target", errno: .invalidArgument)) {
                try dir.linkTarget(of: "target")
            }
        }
    }

    /// A NUL would cut the name short at the kernel, naming another link: refused before any call.
    @Test func aLinkNameWithANULIsRefusedWithoutACall() throws {
        try withDirectory { dir, root in
            #expect(symlink("target", root + "/a") == 0)
            let cut = PathBytes(bytes: [0x61, 0x00, 0x62])
            let plan = SyscallFaults()
            SyscallFaults.$current.withValue(plan) {
                #expect(throws: SystemCallError("readlinkat", path: cut, errno: .invalidArgument)) { try dir.linkTarget(of: cut) }
            }
            #expect(plan.count(.readlink) == 0)
        }
    }

    @Test func aFailedReadlinkIsReported() throws {
        try withDirectory { dir, root in
            #expect(symlink("target", root + "/link") == 0)
            let plan = SyscallFaults()
            plan.fail(.readlink, errno: EIO)
            #expect(throws: SystemCallError("readlinkat", path: "link", errno: .ioError)) {
                try SyscallFaults.$current.withValue(plan) { try dir.linkTarget(of: "link") }
            }
        }
    }
}
