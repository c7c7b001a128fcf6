import Foundation
import JidoTestSupport
import Testing
@testable import JidoCore

@Suite struct FallbackSecretTests {
    /// The values JidoCode's `fallback_entropy/0` computes (`Tests/Fixtures/fallback-v1/README.md`).
    @Test func valueIsMD5OfHostnameAndNodeInLowerCaseHex() throws {
        #expect(String(decoding: try FallbackSecret.value(hostname: "jido-fixture-host"), as: UTF8.self) == "de7428a453cf8666c7d18f1b0be866af")
        #expect(String(decoding: try FallbackSecret.value(hostname: "jido-fixture-host", node: "jido@buildbox"), as: UTF8.self)
                == "451077aa8a6908054d40e51621af792d")
        // A non-ASCII hostname enters as UTF-8 (Elixir interpolates the string JidoCode made of the name).
        #expect(String(decoding: try FallbackSecret.value(hostname: "caf\u{E9}", node: "n@h"), as: UTF8.self) == "50acce55e495618c59a2c9096c390898")
    }

    /// Every file JidoCode's writer signed under the fallback value verifies under `sessionKey`, and
    /// under no other node's.
    @Test func jidoCodesFallbackSignedFilesVerify() throws {
        let folder = TestVectors.fixtures().appendingPathComponent("fallback-v1")
        for (sub, node) in [("nonode", FallbackSecret.undistributedNode), ("node-jido-at-buildbox", "jido@buildbox")] {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(sub).path).filter { $0.hasSuffix(".json") }
            #expect(!names.isEmpty)
            for name in names {
                let bytes = try TestVectors.readBytes(folder.appendingPathComponent(sub + "/" + name))
                let key = try FallbackSecret.sessionKey(hostname: "jido-fixture-host", node: node)
                #expect(SessionSignature.verify(fileBytes: bytes, key: key).verdict == .valid, "\(sub)/\(name)")
                let other = try FallbackSecret.sessionKey(hostname: "jido-fixture-host", node: node == "jido@buildbox" ? FallbackSecret.undistributedNode : "jido@buildbox")
                #expect(SessionSignature.verify(fileBytes: bytes, key: other).verdict == .invalid)
            }
        }
    }

    @Test func fallbackFormIsExactly32LowerCaseHexCharacters() {
        func form(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { FallbackSecret.hasFallbackForm($0) } }
        #expect(form("de7428a453cf8666c7d18f1b0be866af"))
        #expect(!form("DE7428A453CF8666C7D18F1B0BE866AF"))
        #expect(!form("de7428a453cf8666c7d18f1b0be866a"))
        #expect(!form(String(repeating: "a", count: 64)))
        #expect(!form("de7428a453cf8666c7d18f1b0be866ag"))
    }

    @Test func candidatesPairEveryHostnameWithEveryNodeOnce() {
        let pairs = FallbackSecret.candidates(hostnames: ["a", "b", "a"], nodes: ["n@h", FallbackSecret.undistributedNode])
        #expect(pairs.map { $0.hostname + "/" + $0.node } == ["a/nonode@nohost", "a/n@h", "b/nonode@nohost", "b/n@h"])
    }
}
