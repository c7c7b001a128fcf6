import Foundation
import JidoCore
import JidoTestSupport
import Testing
@testable import JidoAuditCLI

/// The `verify` and `canonical` contract other checks rely on.
@Suite struct VerifyCommandTests {
    static let mixedHost = "jido-fixture-host"

    func mixedManifest() throws -> [String: String] {
        let url = try TestVectors.directory().appendingPathComponent("mixed/manifest.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        var verdicts: [String: String] = [:]
        for entry in object?["sessions"] as? [[String: Any]] ?? [] {
            if let file = entry["file"] as? String { verdicts[file] = entry["jidocode_verdict"] as? String }
        }
        return verdicts
    }

    @Test func jsonVerdictsMatchTheManifestAndListDuplicates() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let sessions = home + "/.jido_code/sessions/"
            let manifest = try mixedManifest()
            let files = manifest.keys.sorted().map { sessions + $0 }
            let run = audit(["verify", "--home", home, "--hostname", Self.mixedHost, "--format", "json"] + files)
            #expect(run.status == 1, "some files are invalid or unsigned")
            let array = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(array.count == manifest.count)
            for entry in array {
                let name = (entry["file"] as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
                #expect(entry["verdict"] as? String == manifest[name], "\(name)")
                #expect(entry["duplicate_keys"] is [String])
            }
            #expect(array.contains { ($0["duplicate_keys"] as? [String])?.isEmpty == false })
        }
    }

    @Test func allValidStoreExitsZeroInText() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let files = try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code/sessions").map { home + "/.jido_code/sessions/" + $0 }
            let run = audit(["verify", "--hostname", "devbox"] + files, environment: ["HOME": home])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("5 files: 5 valid\n"))
            // Another hostname derives another key: every file is invalid.
            let wrongHost = audit(["verify", "--home", home, "--hostname", "elsewhere"] + files)
            #expect(wrongHost.status == 1)
            #expect(wrongHost.stdout.contains("5 invalid"))
        }
    }

    @Test func unreadableFilesAreUndecodableAndASymlinkIsNotFollowed() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let target = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            #expect(symlink(target, root + "/link.json") == 0)
            #expect(mkfifo(root + "/fifo.json", 0o600) == 0)
            let run = audit(["verify", "--home", home, "--hostname", "devbox", "--format", "json",
                             root + "/link.json", root + "/fifo.json", root + "/missing.json"])
            #expect(run.status == 1)
            let array = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]] ?? []
            #expect(array.map { $0["verdict"] as? String } == ["undecodable", "undecodable", "undecodable"])
            #expect((array[0]["detail"] as? String)?.contains("symbolic link") == true)
            #expect((array[1]["detail"] as? String)?.contains("fifo") == true)
        }
    }

    @Test func unusableSecretExitsThreeAndNamesTheFix() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            chmod(home + "/.jido_code/machine_secret", 0o644)
            let run = audit(["verify", "--home", home, home + "/.jido_code/sessions/x.json"])
            #expect(run.status == 3)
            #expect(run.stderr.contains("chmod 600"))
            #expect(run.stdout.isEmpty)
        }
    }

    @Test(arguments: [
        ["verify"], ["verify", "--format", "xml", "f"], ["verify", "--bogus", "f"], ["verify", "--home"], ["nonsense"],
        ["--format", "xml"], ["audit", "--fail-on", "fatal"], ["audit", "--dry-run"], ["audit", "extra"], ["baseline"],
        ["canonical"], ["canonical", "a", "b"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) {
        let run = audit(arguments, environment: ["HOME": "/nonexistent"])
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty && run.stdout.isEmpty)
    }

    @Test func helpAndVersion() {
        #expect(audit(["--help"]).stdout.contains("verify"))
        #expect(audit(["verify", "--help"]).stdout.contains("--secret-file FILE"))
        #expect(audit(["--version"]).stdout == "jido-audit \(JidoCore.version)\n")
    }

    @Test func canonicalPrintsTheSignedBytesOfEveryVector() throws {
        try withTemporaryDirectory { root in
            for vector in try TestVectors.canonicalCases() {
                let path = root + "/input.json"
                try writeFile(path, vector.input)
                let run = audit(["canonical", path])
                if let canonical = vector.canonical {
                    #expect(run.status == 0)
                    let value = try StrictJSONDecoder().decode(canonical).value
                    #expect(Array(run.stdout.utf8) == (try CanonicalJSON.encode(value, omittingTopLevelKey: "signature")))
                } else {
                    #expect(run.status == 1 && !run.stderr.isEmpty && run.stdout.isEmpty)
                }
            }
        }
    }

    /// The built binary keeps the same contract (exit status, streams).
    @Test func binaryRunsAndSignsBytesEqualToJidoCode() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let file = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            let result = try runProduct("jido-audit", ["canonical", file])
            #expect(result.status == 0)
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: TestVectors.directory()
                .appendingPathComponent("basic/manifest.json"))) as? [String: Any]
            let entry = (manifest?["sessions"] as? [[String: Any]])?.first { ($0["id"] as? String) == "5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10" }
            let digest = try SHA256.hash(Array(result.stdout.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(digest == entry?["unsigned_sha256"] as? String)
            let verify = try runProduct("jido-audit", ["verify", "--home", home, "--hostname", "devbox", file])
            #expect(verify.status == 0 && verify.stdout.contains("1 file: 1 valid"))
        }
    }
}
