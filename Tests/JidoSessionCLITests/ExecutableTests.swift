import Foundation
import Glibc
import JidoTestSupport
import Testing

/// The built `jido-session` binary: its arguments and `$HOME` reach the commands, and a failed write to standard
/// output is one line and status 3 (the driver `jido-audit` shares).
@Suite struct ExecutableTests {
    func run(_ arguments: [String], stdout: FileHandle? = nil, environment: [String: String]? = nil) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("jido-session")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = stdout ?? output
        process.standardError = errors
        try process.run()
        if stdout != nil { try output.fileHandleForWriting.close() }
        let out = stdout == nil ? String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) : ""
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    @Test func listsTheStoreOfHome() throws {
        try withTemporaryDirectory { root in
            let home = try SessionFixture.basicHome(in: root)
            let (status, stdout, stderr) = try run(["list", "--hostname", SessionFixture.hostname], environment: ["HOME": home])
            #expect(status == 0, "\(stderr)")
            #expect(stdout.hasSuffix("5 sessions, 5 valid (hostname \"devbox\")\n"))
        }
    }

    @Test func aFullDeviceIsOneLineAndStatusThree() throws {
        let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        let (status, _, stderr) = try run(["--help"], stdout: full)
        #expect(status == 3)
        #expect(stderr == "jido-session: cannot write to standard output: write: No space left on device (errno 28)\n", "\(stderr)")
    }
}
