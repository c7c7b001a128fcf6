import Foundation
import Glibc
import JidoTestSupport
import Testing

/// A failed write to standard output never traps: the binary finishes, says so in one line on
/// standard error, and exits 3 (it trapped with a backtrace, status 132, on `> /dev/full`).
@Suite struct OutputFailureTests {
    /// Runs the built `jido-audit` with `arguments` and standard output on `stdout`; (status, stderr).
    func run(_ arguments: [String], stdout: FileHandle) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("jido-audit")
        process.arguments = arguments
        process.standardOutput = stdout
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func aFullDeviceIsOneLineAndStatusThree() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let (status, stderr) = try run(["--help"], stdout: full)
        #expect(status == 3)
        #expect(stderr == "jido-audit: cannot write to standard output: write: No space left on device (errno 28)\n", "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1)
    }

    /// A pipe whose reader is gone: EPIPE (SIGPIPE is ignored by the tool, whatever it inherited).
    @Test func aClosedPipeIsOneLineAndStatusThree() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        let writer = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        let (status, stderr) = try run(["--help"], stdout: writer)
        #expect(status == 3)
        #expect(stderr.hasPrefix("jido-audit: cannot write to standard output:") && stderr.contains("Broken pipe"), "\(stderr)")
    }
}
