import Foundation
import JidoAudit
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAuditCLI

/// `canonical --hmac`, `key`, and README's "Checking a signature by hand" run exactly as written.
@Suite struct CanonicalCommandTests {
    /// `basic`'s sessions with the signature JidoCode wrote (all valid under hostname `devbox`).
    func basicSignatures() throws -> [(id: String, signature: String)] {
        let url = try TestVectors.directory().appendingPathComponent("basic/manifest.json")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        return (manifest["sessions"] as? [[String: Any]] ?? []).compactMap { entry in
            guard entry["verify"] as? String == "valid", let id = entry["id"] as? String, let signature = entry["signature"] as? String
            else { return nil }
            return (id, signature)
        }
    }

    @Test func hmacIsTheSignatureJidoCodeWrote() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let sessions = try basicSignatures()
            try #require(sessions.count >= 3)
            for (id, signature) in sessions {
                let run = audit(["canonical", "--hmac", "--home", home, "--hostname", "devbox", home + "/.jido_code/sessions/\(id).json"])
                #expect(run.status == 0 && run.stdout == signature + "\n", "\(id): \(run.stderr)")
            }
            // Another hostname is another key; the key itself appears nowhere.
            let file = home + "/.jido_code/sessions/\(sessions[0].id).json"
            let other = audit(["canonical", "--hmac", "--home", home, "--hostname", "elsewhere", file])
            #expect(other.status == 0 && other.stdout != sessions[0].signature + "\n")
            let derivedKey = "ebf3bdcdb02a6ff3db760842c226928fbe470619164db2f797a1a92854cb43cd"
            #expect(!(other.stdout + other.stderr).lowercased().contains(derivedKey.prefix(16)))
        }
    }

    @Test func keyOptionsNeedHMACAndAMissingFileIsAnError() throws {
        let usage = audit(["canonical", "--hostname", "devbox", "x.json"])
        #expect(usage.status == 2 && usage.stderr.contains("--hostname goes with --hmac"))
        let missing = audit(["canonical", "/missing.json"])
        #expect(missing.status == 3)
        #expect(missing.stderr == "jido-audit canonical: cannot read /missing.json: No such file or directory\n")
        let noSecret = audit(["canonical", "--hmac", "--home", "/nonexistent", "/missing.json"])
        #expect(noSecret.status == 3 && noSecret.stderr.contains("machine secret"), "\(noSecret.stderr)")
    }

    @Test func helpNeverSuggestsDgstHMAC() {
        let help = audit(["canonical", "--help"]).stdout
        // 'openssl dgst -hmac' takes the key as text: it is named only as what not to use.
        #expect(help.components(separatedBy: "dgst -hmac").count == help.components(separatedBy: "never 'openssl dgst -hmac'").count)
        #expect(help.contains("openssl kdf, then openssl mac"))
        #expect(help.contains("--hmac"))
    }

    // MARK: key

    @Test func keyPrintsTheFingerprintNeverTheSecret() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let secret = try TestVectors.readBytes(URL(fileURLWithPath: home + "/.jido_code/machine_secret"))
            let expected = String(Hex.lowercase(try SHA256.hash(Array("jido-audit secret fingerprint v1".utf8) + [0] + secret)).prefix(16))
            #expect(try secret.withUnsafeBytes { try SecretFingerprint.of(secret: $0) } == expected)
            let only = audit(["key", "--fingerprint", "--home", home])
            #expect(only.status == 0 && only.stdout == expected + "\n", "\(only.stderr)")
            let full = audit(["key", "--home", home, "--hostname", "devbox"])
            #expect(full.stdout == """
            secret       \(home)/.jido_code/machine_secret
            fingerprint  \(expected)
            hostname     "devbox"

            """)
            let secretText = String(decoding: secret, as: UTF8.self)
            #expect(!(only.stdout + full.stdout).contains(secretText.prefix(16)))
            // --secret-file names another secret: another fingerprint.
            try writeFile(root + "/other", Array(String(repeating: "7", count: 64).utf8), mode: 0o600)
            let other = audit(["key", "--fingerprint", "--secret-file", root + "/other", "--home", home])
            #expect(other.status == 0 && other.stdout.count == 17 && other.stdout != only.stdout)
            let unusable = audit(["key", "--home", "/nonexistent"])
            #expect(unusable.status == 3 && unusable.stdout.isEmpty && unusable.stderr.contains("machine secret"))
        }
    }

    // MARK: README

    /// The sh block after `<!-- recipe: check-signature -->` in README.md.
    static func readmeRecipe() throws -> String {
        let readme = try String(contentsOf: TestVectors.repositoryRoot().appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- recipe: check-signature -->\n```sh\n"))
        let rest = readme[marker.upperBound...]
        return String(rest[..<(try #require(rest.range(of: "\n```\n"))).lowerBound]) + "\n"
    }

    /// The recipe runs as written, with `~` a home holding JidoCode's `basic` store, `jido-audit` the built
    /// one, and a `hostname` that answers `devbox.example.com` (JidoCode keys with `devbox`); only `<uuid>` is
    /// filled in. It prints the fingerprint `key --fingerprint` prints, then the signature JidoCode wrote.
    @Test func readmeSignatureRecipeWorksAsWritten() throws {
        let recipe = try Self.readmeRecipe()
        #expect(recipe.contains("openssl kdf") && recipe.contains("openssl mac") && !recipe.contains("dgst -hmac"))
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root + "/home")
            try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
            try writeFile(root + "/bin/hostname", Array("#!/bin/sh\necho devbox.example.com\n".utf8), mode: 0o755)
            let fingerprint = audit(["key", "--fingerprint", "--home", home]).stdout
            for (id, signature) in try basicSignatures() {
                let run = try runProgram("/bin/bash", ["-euo", "pipefail", "-c", recipe.replacingOccurrences(of: "<uuid>", with: id)],
                                         environment: ["HOME": home, "PATH": "\(root)/bin:\(productsDirectory().path):/usr/local/bin:/usr/bin:/bin"])
                #expect(run.status == 0, "\(run.stderr)")
                #expect(run.stdout == fingerprint + signature + "\n", "\(id): \(run.stdout) \(run.stderr)")
            }
        }
    }
}
