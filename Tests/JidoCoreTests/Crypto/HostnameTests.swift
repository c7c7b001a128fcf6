import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

/// The hostname JidoCode mixes into the key: `:inet.gethostname/0` then `to_string/1`.
@Suite struct HostnameTests {
    @Test func hostnameIsJidoCodesNameForTheKernelsName() throws {
        let name = try Hostname.current()
        #expect(!name.isEmpty)
        #expect(!name.utf8.contains(0))
        #expect(!name.utf8.contains(UInt8(ascii: ".")))
        let kernel = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
        #expect(name == Hostname.jidoCodeName(systemName: Array(kernel.trimmingCharacters(in: .newlines).utf8)))
    }

    /// `:inet.gethostname/0` keeps what precedes the first dot; `to_string/1` turns each byte
    /// into the code point of its value (measured on OTP 25: 68 C3 A9 FF 78 -> 68 C3 83 C2 A9 C3 BF 78).
    @Test func jidoCodeNameCutsAtTheFirstDotAndReadsBytesAsLatin1() {
        #expect(Hostname.jidoCodeName(systemName: Array("devbox.example.com".utf8)) == "devbox")
        #expect(Hostname.jidoCodeName(systemName: Array("devbox".utf8)) == "devbox")
        #expect(Hostname.jidoCodeName(systemName: Array(".lead".utf8)) == "")
        #expect(Array(Hostname.jidoCodeName(systemName: [0x68, 0xC3, 0xA9, 0xFF, 0x78, 0x2E, 0x79]).utf8)
            == [0x68, 0xC3, 0x83, 0xC2, 0xA9, 0xC3, 0xBF, 0x78])
    }

    @Test func candidatesListJidoCodesNameFirstThenTheFullNameAndTheFallbacks() {
        #expect(Hostname.candidates(systemName: Array("devbox.example.com".utf8))
            == ["devbox", "devbox.example.com", "nohost.nodomain", "localhost"])
        #expect(Hostname.candidates(systemName: Array("localhost".utf8)) == ["localhost", "nohost.nodomain"])
    }

    /// The real `gethostname(2)` in a UTS namespace named `devbox.example.com` (as root, like CI).
    @Test(.enabled(if: geteuid() == 0, "needs root for a UTS namespace"))
    func aDottedMachineNameKeysWithItsShortName() throws {
        let helper = productsDirectory().appendingPathComponent("jido-test-helper").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--uts", "sh", "-c", "hostname devbox.example.com && exec \"$0\" hostname", helper]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let hex = { (name: String) in name.utf8.map { String($0, radix: 16) }.joined(separator: " ") }
        #expect(text.split(separator: "\n").map(String.init)
            == ["devbox", "devbox", "devbox.example.com", "nohost.nodomain", "localhost"].map(hex))
    }
}
