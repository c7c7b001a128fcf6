import JidoTestSupport
@testable import JidoCore

/// A temporary directory, open as a descriptor (closed afterwards), and its path: the fixture of the
/// `FileSystem` suites that call the typed layer relative to a directory.
func withDirectoryDescriptor<R>(_ body: (FileDescriptor, String) throws -> R) throws -> R {
    try withTemporaryDirectory { root in
        let fd = try FileDescriptor.open(root, [.readOnly, .directory, .closeOnExec])
        defer { _ = try? fd.close() }
        return try body(fd, root)
    }
}
