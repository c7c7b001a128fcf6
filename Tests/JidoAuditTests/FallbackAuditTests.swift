import Foundation
import Glibc
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAudit

/// JidoCode's fallback key (md5 of hostname and node as the secret): sessions JidoCode's own writer signed
/// with it (`Tests/Fixtures/fallback-v1`, produced by the oracle) are told apart from tampered ones, and
/// a secret of that form is an error of its own.
@Suite struct FallbackAuditTests {
    static let hostname = "jido-fixture-host"

    /// A store of `folder`'s fallback-signed JidoCode files beside a normal 64-character secret.
    func store(_ home: String, folder: String, secret: [UInt8] = Array(String(repeating: "ab", count: 32).utf8)) throws -> [String] {
        let source = TestVectors.fixtures().appendingPathComponent("fallback-v1/" + folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(!names.isEmpty, "fixtures missing in \(source.path)")
        try FileManager.default.createDirectory(atPath: home + "/.jido_code/sessions", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(home + "/.jido_code", 0o700)
        try writeFile(home + "/.jido_code/machine_secret", secret)
        for name in names {
            try writeFile(home + "/.jido_code/sessions/" + name, TestVectors.readBytes(source.appendingPathComponent(name)))
        }
        return names.map { home + "/.jido_code/sessions/" + $0 }
    }

    /// The signature rules that fired on `path` (the rich fixtures also carry ambiguous keys, JG037).
    func signatureRules(_ report: AuditReport, _ path: String) -> [String] {
        report.findings.filter { $0.path == path && ["JG030", "JG080"].contains($0.rule.id) }.map(\.rule.id)
    }

    func audit(_ home: String, nodes: [String] = []) throws -> AuditReport {
        var configuration = AuditConfiguration(home: home)
        configuration.hostname = Self.hostname
        configuration.cleanupDays = 100_000
        configuration.fallbackNodes = nodes
        return try Auditor.run(configuration)
    }

    @Test func jidoCodesFallbackSignedSessionsAreFoundNotCalledTampered() throws {
        try withTemporaryDirectory { home in
            let paths = try store(home, folder: "nonode")
            let report = try audit(home)
            for path in paths {
                let rules = signatureRules(report, path)
                #expect(rules == ["JG080"], "\(path): \(rules)")
            }
            let message = try #require(report.findings.first { $0.rule == Rules.fallbackSigned }).message
            #expect(message.contains("md5(\"jido-fixture-host-nonode@nohost\")") && message.contains("anyone who knows the hostname can forge it"))
            #expect(!report.findings.contains { $0.rule == Rules.signatureInvalid })
        }
    }

    /// A distributed JidoCode's node name is found only when given (`--node`).
    @Test func aNodeNameIsTriedWhenGiven() throws {
        try withTemporaryDirectory { home in
            let paths = try store(home, folder: "node-jido-at-buildbox")
            let without = try audit(home)
            #expect(signatureRules(without, paths[0]) == ["JG030"])
            let with = try audit(home, nodes: ["jido@buildbox"])
            #expect(signatureRules(with, paths[0]) == ["JG080"])
        }
    }

    /// Without a readable secret, which is when JidoCode uses the fallback, the fallback key is still tried.
    @Test func withoutASecretTheFallbackKeyIsStillTried() throws {
        try withTemporaryDirectory { home in
            let paths = try store(home, folder: "nonode")
            unlink(home + "/.jido_code/machine_secret")
            let report = try audit(home)
            #expect(signatureRules(report, paths[0]) == ["JG080"])
        }
    }

    /// A tampered fallback-signed file is JG030, not JG080: the rule needs a signature that verifies.
    @Test func aTamperedFallbackFileIsAnInvalidSignature() throws {
        try withTemporaryDirectory { home in
            let paths = try store(home, folder: "nonode")
            var bytes = try TestVectors.readBytes(URL(fileURLWithPath: paths[0]))
            let i = try #require(bytes.firstIndex(of: UInt8(ascii: "e")))
            bytes[i] = UInt8(ascii: "E")
            try writeFile(paths[0], bytes)
            let report = try audit(home)
            #expect(signatureRules(report, paths[0]) == ["JG030"], "\(report.findings.filter { $0.path == paths[0] }.map(\.message))")
        }
    }

    /// The secret JidoCode's writer signed the fixtures with is the fallback value: JG081 names the
    /// formula, and replaces JG017 (a 32-character secret is not "non-standard" only); sessions verify.
    @Test func aSecretThatIsTheFallbackValueIsNamed() throws {
        try withTemporaryDirectory { home in
            let paths = try store(home, folder: "nonode", secret: Array("de7428a453cf8666c7d18f1b0be866af".utf8))
            let report = try audit(home)
            let secret = report.findings.filter { $0.path == home + "/.jido_code/machine_secret" }
            #expect(secret.map(\.rule.id) == ["JG081"], "\(secret.map(\.message))")
            #expect(secret.first?.message.contains("md5(\"jido-fixture-host-nonode@nohost\")") == true)
            #expect(report.verdicts[.valid] == paths.count)
            // Another 32-hex secret has the form only.
            try writeFile(home + "/.jido_code/machine_secret", Array(String(repeating: "0f", count: 16).utf8))
            let other = try audit(home).findings.filter { $0.path == home + "/.jido_code/machine_secret" }
            #expect(other.map(\.rule.id) == ["JG081"] && other.first?.message.contains("the form of") == true)
        }
    }
}
