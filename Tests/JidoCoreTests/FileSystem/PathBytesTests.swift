import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// Paths are bytes: a name that is not UTF-8 is created, found, read, listed, renamed and resolved
/// byte for byte, never through a `String` that would repair it to U+FFFD.
@Suite struct PathBytesTests {
    /// `\xFF` and a lone continuation byte: no UTF-8 decoder accepts them.
    static let invalid: [UInt8] = [0x64, 0xFF, 0x80, 0x2E, 0x64]

    @Test func splitsAppendsAndRelativizesOnBytes() {
        let path = PathBytes(bytes: pathBytes("/a/", Self.invalid) + pathBytes("/f", [0xFE]))
        #expect(path.split.parent == PathBytes(bytes: pathBytes("/a/", Self.invalid)))
        #expect(path.split.name == PathBytes(bytes: pathBytes("f", [0xFE])))
        #expect(PathBytes("name").split.parent == "." && PathBytes("/name").split.parent == "/")
        #expect(PathBytes(bytes: pathBytes("/a/", Self.invalid)).appending("f").bytes == pathBytes("/a/", Self.invalid) + pathBytes("/f"))
        #expect(path.relative(to: "/a")?.bytes == Self.invalid + pathBytes("/f", [0xFE]))
        #expect(path.relative(to: "/ab") == nil && PathBytes("/a").relative(to: "/a") == nil)
        #expect(path.string == nil && PathBytes("ça").string == "ça")
        #expect(path.description.contains("\u{FFFD}"), "the text form is lossy: for logs, never for the kernel")
    }

    @Test func aNameThatIsNotUTF8IsCreatedOpenedStattedReadAndListed() throws {
        try withTemporaryDirectory { root in
            let directory = PathBytes(bytes: pathBytes(root + "/", Self.invalid))
            defer { try? renameBytes(directory.bytes, pathBytes(root + "/cleanup")) }
            try FileDescriptor.currentWorkingDirectory.makeDirectory(directory)
            // The repaired text names another (absent) file: a String round trip cannot reach it.
            #expect(throws: SystemCallError("openat", path: PathBytes(directory.description), errno: .noSuchFileOrDirectory)) {
                try FileDescriptor.open(directory.description, [.readOnly, .directory])
            }
            #expect(try FileDescriptor.currentWorkingDirectory.status(of: directory).type == .directory)
            let fd = try FileDescriptor.open(directory, [.readOnly, .directory, .closeOnExec])
            defer { _ = try? fd.close() }
            let name = PathBytes(bytes: [0x66, 0xFE, 0x1B])
            try AtomicFileWriter.write(Array("content".utf8), as: name, in: fd)
            #expect(try fd.entries().entries.map(\.nameBytes) == [name.bytes], "no temporary left, the exact name")
            let read = try CheckedFileReader.read(path: directory.appending(name), policy: FilePolicy(maxBytes: 100))
            #expect(read.bytes == Array("content".utf8) && read.status.permissions == .ownerReadWrite)
            let renamed = PathBytes(bytes: [0xC3, 0x28])
            try fd.rename(name, to: renamed, in: fd)
            #expect(try fd.status(of: renamed).type == .regular)
            #expect((try? fd.status(of: name)) == nil)
            try fd.unlink(renamed)
            #expect(try fd.entries().entries.isEmpty)
        }
    }

    @Test func realpathAndTheAncestorWalkKeepTheBytes() throws {
        try withTemporaryDirectory { root in
            let directory = PathBytes(bytes: pathBytes(root + "/", Self.invalid))
            defer { try? renameBytes(directory.bytes, pathBytes(root + "/cleanup")) }
            try FileDescriptor.currentWorkingDirectory.makeDirectory(directory)
            try FileDescriptor.currentWorkingDirectory.makeDirectory(directory.appending("sub"))
            let resolvedRoot = try FileDescriptor.resolvedPath(PathBytes(root))
            let resolved = try FileDescriptor.resolvedPath(directory.appending("sub/../sub"))
            #expect(resolved == resolvedRoot.appending(PathBytes(bytes: Self.invalid)).appending("sub"))
            let above = try FileTrust.directories(above: directory.appending("sub"))
            #expect(above.first?.path == resolvedRoot.appending(PathBytes(bytes: Self.invalid)))
            #expect(above.first?.status.type == .directory)
        }
    }

    /// A NUL would cut the path short at the kernel, naming another file: every call refuses it.
    @Test func aPathWithANULIsRefusedWithoutACall() throws {
        try withTemporaryDirectory { root in
            let cut = PathBytes(bytes: pathBytes(root + "/a", [0]) + pathBytes("b"))
            let faults = SyscallFaults()
            try SyscallFaults.$current.withValue(faults) {
                #expect(throws: SystemCallError("mkdirat", path: cut, errno: .invalidArgument)) {
                    try FileDescriptor.currentWorkingDirectory.makeDirectory(cut)
                }
                #expect(throws: SystemCallError("openat", path: cut, errno: .invalidArgument)) {
                    try FileDescriptor.open(cut, [.readOnly, .create])
                }
                #expect(throws: SystemCallError("realpath", path: cut, errno: .invalidArgument)) { try FileDescriptor.resolvedPath(cut) }
                let fd = try FileDescriptor.open(root, [.readOnly, .directory])
                defer { _ = try? fd.close() }
                #expect(throws: SystemCallError("renameat", path: cut, errno: .invalidArgument)) {
                    try fd.rename(cut, to: PathBytes("c"), in: fd)
                }
                #expect(try fd.entries().entries.isEmpty, "nothing named a was created")
            }
            #expect(faults.count(.mkdir) == 0 && faults.count(.realpath) == 0 && faults.count(.rename) == 0)
        }
    }
}
