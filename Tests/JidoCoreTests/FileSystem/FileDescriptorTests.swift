import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// `FileDescriptor`'s calls on an entry named by its raw bytes (`open`, `status(of:)`,
/// `linkTarget(of:)`): names need not be UTF-8, links are never followed.
@Suite struct FileDescriptorTests {
    static let nonUTF8: [UInt8] = [0x66, 0xFF, 0xFE] // "f", then two bytes no UTF-8 sequence starts with

    func withDirectory<R>(_ body: (FileDescriptor, String) throws -> R) throws -> R {
        try withTemporaryDirectory { root in
            let fd = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? fd.close() }
            return try body(fd, root)
        }
    }

    @Test func aNameThatIsNotUTF8IsExaminedAndOpenedByItsBytes() throws {
        try withDirectory { dir, root in
            try writeFile(pathBytes: Array((root + "/").utf8) + Self.nonUTF8, Array("content".utf8))
            let status = try dir.status(of: Self.nonUTF8)
            #expect(status.type == .regular && status.size == 7)
            let fd = try dir.open(Self.nonUTF8, .hardenedRead)
            let bytes = try fd.closeAfter { (fd) throws(SystemCallError) in try fd.readAll(limit: 100).bytes }
            #expect(bytes == Array("content".utf8))
            // The U+FFFD spelling names another (missing) file.
            #expect(throws: SystemCallError.self) { try dir.status(of: Array(String(decoding: Self.nonUTF8, as: UTF8.self).utf8)) }
        }
    }

    @Test func linksAreReadNeverFollowed() throws {
        try withDirectory { dir, root in
            try writeFile(root + "/target", Array("x".utf8))
            #expect(symlink("target", root + "/link") == 0)
            let targetBytes = [UInt8]("dir/".utf8) + Self.nonUTF8
            let cTarget = targetBytes.map { CChar(bitPattern: $0) } + [0]
            #expect(cTarget.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { symlink($0, root + "/odd-link") } ?? -1 } == 0)
            #expect(try dir.status(of: Array("link".utf8)).type == .symbolicLink)
            #expect(try dir.linkTarget(of: Array("link".utf8)) == Array("target".utf8))
            #expect(try dir.linkTarget(of: Array("odd-link".utf8)) == targetBytes)
            #expect(throws: SystemCallError("openat", path: "link", errno: .tooManySymbolicLinks)) {
                try dir.open(Array("link".utf8), .hardenedRead)
            }
            #expect(throws: SystemCallError("readlinkat", path: "target", errno: .invalidArgument)) {
                try dir.linkTarget(of: Array("target".utf8))
            }
        }
    }

    /// An entry name is one component: empty names, a `/` or a NUL byte are refused before any call.
    @Test func namesThatAreNotOneComponentAreRefused() throws {
        try withDirectory { dir, _ in
            let plan = SyscallFaults()
            for name in [[], Array("a/b".utf8), Array("../x".utf8), [0x61, 0x00, 0x62]] as [[UInt8]] {
                SyscallFaults.$current.withValue(plan) {
                    #expect(throws: SystemCallError.self) { try dir.status(of: name) }
                    #expect(throws: SystemCallError.self) { try dir.open(name, .hardenedRead) }
                    #expect(throws: SystemCallError.self) { try dir.linkTarget(of: name) }
                }
            }
            #expect(plan.count(.fstatat) == 0 && plan.count(.open) == 0 && plan.count(.readlink) == 0)
        }
    }

    @Test func aFailedReadlinkIsReported() throws {
        try withDirectory { dir, root in
            #expect(symlink("target", root + "/link") == 0)
            let plan = SyscallFaults()
            plan.fail(.readlink, errno: EIO)
            #expect(throws: SystemCallError("readlinkat", path: "link", errno: .ioError)) {
                try SyscallFaults.$current.withValue(plan) { try dir.linkTarget(of: Array("link".utf8)) }
            }
        }
    }
}
