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
            let array = try verifiedFiles(run.stdout)
            #expect(array.count == manifest.count)
            for entry in array {
                let name = (entry["file"] as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
                #expect(entry["verdict"] as? String == manifest[name], "\(name)")
                #expect(entry["duplicate_keys"] is [String])
            }
            #expect(array.contains { ($0["duplicate_keys"] as? [String])?.isEmpty == false })
        }
    }

    /// `--jobs`: the same output, in the order of the arguments, whatever the number of threads
    /// (a missing file among them reported in its place, the others still verified).
    @Test func outputIsTheSameForEveryJobCount() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("mixed", into: root)
            let sessions = home + "/.jido_code/sessions/"
            var files = try mixedManifest().keys.sorted().map { sessions + $0 }
            files.insert(root + "/missing.json", at: 5)
            let base = ["verify", "--home", home, "--hostname", Self.mixedHost]
            let one = audit(base + ["--jobs", "1"] + files)
            #expect(one.status == 3 && one.stderr.contains("missing.json"))
            for jobs in ["2", "5"] {
                let many = audit(base + ["--jobs", jobs] + files)
                #expect(many.stdout == one.stdout && many.stderr == one.stderr && many.status == one.status, "--jobs \(jobs)")
            }
            #expect(audit(base + ["--jobs", "0"] + files).status == 2)
        }
    }

    /// A file whose name is not UTF-8 is read by its bytes (not reported missing), and named
    /// reversibly: escaped in text and JSON, and byte for byte in JSON's `file_base64`.
    @Test func aFileNameThatIsNotUTF8IsVerifiedAndNamedReversibly() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let sessions = home + "/.jido_code/sessions/"
            let name: [UInt8] = [0x76, 0xFF, 0x5C, 0x1B]
            try renameBytes(pathBytes(sessions + "0b9d3c2a-7e41-4f8a-b6c5-1a2b3c4d5e6f.json"), pathBytes(root + "/", name))
            defer { try? renameBytes(pathBytes(root + "/", name), pathBytes(root + "/cleanup")) }
            let file = pathBytes(root + "/", name)
            let arguments = [Array("verify".utf8), Array("--home".utf8), Array(home.utf8), Array("--hostname".utf8), Array("devbox".utf8), file]
            let text = audit(bytes: arguments)
            #expect(text.status == 0 && text.stdout.hasPrefix("valid") && text.stdout.contains(" " + root + "/v\\xFF\\\\\\x1B\n"),
                    "\(text.stdout)\(text.stderr)")
            let json = audit(bytes: arguments + [Array("--format".utf8), Array("json".utf8)])
            let entry = try #require(try verifiedFiles(json.stdout).first)
            #expect(entry["verdict"] as? String == "valid")
            #expect((entry["file"] as? String).flatMap(displayTextBytes) == file)
            #expect((entry["file_base64"] as? String).flatMap { Base64.decodeStrict(Array($0.utf8)) } == file)
            // The repaired text would name no file: the byte path is what made it verify.
            let repaired = audit(["verify", "--home", home, "--hostname", "devbox", String(decoding: file, as: UTF8.self)])
            #expect(repaired.status == 3 && repaired.stderr.contains("No such file or directory"), "\(repaired.stderr)")
        }
    }

    /// The `files` array of `verify --format json`.
    func verifiedFiles(_ stdout: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        return object?["files"] as? [[String: Any]] ?? []
    }

    /// The stores JidoCode wrote: its verdict for every file (`null-signature` is what it loads as
    /// unsigned; a non-string signature makes its load raise), the family of large objects, and the
    /// hostname used in the report.
    @Test(arguments: ["rich", "fqdn", "bigmap-otp27", "bigmap-otp25"])
    func jidoCodeStoresGetJidoCodesVerdicts(_ store: String) throws {
        let url = try TestVectors.directory().appendingPathComponent("\(store)/manifest.json")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        let entries = manifest["files"] as? [String: [String: Any]] ?? [:]
        let hostname = manifest["jidocode_hostname"] as? String ?? ""
        try withTemporaryDirectory { root in
            let home = try copyVectorStore(store, into: root)
            let files = entries.keys.sorted().map { home + "/.jido_code/sessions/" + $0 }
            let run = audit(["verify", "--home", home, "--hostname", hostname, "--format", "json"] + files)
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(object["hostname"] as? String == hostname)
            for entry in try verifiedFiles(run.stdout) {
                let name = (entry["file"] as? String ?? "").split(separator: "/").last.map(String.init) ?? ""
                let expected = entries[name]?["jidocode_verdict"] as? String
                let tampered = entries[name]?["tampered"] as? String
                let ours = entry["verdict"] as? String
                switch tampered {
                case "nullsig": #expect(ours == "null-signature" && expected == "unsigned", "\(name)")
                case "numsig", "objsig": #expect(ours == "malformed" && expected == "crash_nonbinary_signature", "\(name)")
                default: #expect(ours == expected, "\(name)")
                }
                #expect(["none", "otp25", "otp27"].contains(entry["beam_order"] as? String ?? ""), "\(name)")
                if store.hasPrefix("bigmap"), ours == "valid", entry["beam_order"] as? String != "none" {
                    #expect(entry["beam_order"] as? String == String(store.dropFirst("bigmap-".count)), "\(name)")
                }
            }
        }
    }

    /// On a machine named `devbox.example.com` JidoCode keys with `devbox`: that is the default; and
    /// passing the full name gets a hint naming the one that works (as root: a UTS namespace).
    @Test(.enabled(if: geteuid() == 0, "needs root for a UTS namespace"))
    func dottedHostnameIsCutAndAWrongOneGetsAHint() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("fqdn", into: root)
            let sessions = home + "/.jido_code/sessions"
            let files = try FileManager.default.contentsOfDirectory(atPath: sessions).sorted().map { sessions + "/" + $0 }
            let binary = productsDirectory().appendingPathComponent("jido-audit").path
            func run(_ arguments: [String]) throws -> (Int32, String) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
                process.arguments = ["--uts", "sh", "-c", "hostname devbox.example.com && exec \"$@\"", "sh", binary] + arguments
                let output = Pipe()
                process.standardOutput = output
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, text)
            }
            let (status, text) = try run(["verify", "--home", home] + files)
            #expect(status == 1, "one file was altered")
            #expect(text.contains("6 files: 5 valid, 1 invalid") && text.contains("(hostname \"devbox\")"), "\(text)")
            #expect(!text.contains("hint:"))
            let (wrongStatus, wrong) = try run(["verify", "--home", home, "--hostname", "devbox.example.com"] + files)
            #expect(wrongStatus == 1)
            #expect(wrong.contains("6 invalid"))
            #expect(wrong.contains("hint: 6 of 6 signed sessions fail under hostname \"devbox.example.com\" but verify under \"devbox\": pass --hostname devbox"), "\(wrong)")
            let (auditStatus, report) = try run(["--home", home, "--hostname", "devbox.example.com", "--format", "json"])
            #expect(auditStatus == 1)
            let object = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any] ?? [:]
            #expect(object["hostname"] as? String == "devbox.example.com")
            #expect(object["hostname_suggestion"] as? String == "devbox")
            let findings = object["findings"] as? [[String: Any]] ?? []
            #expect(findings.filter { $0["rule_id"] as? String == "JG018" }.count == 1)
        }
    }

    @Test func canonicalPrintsEitherFamilysBytes() throws {
        try withTemporaryDirectory { root in
            let text = try String(contentsOf: TestVectors.directory().appendingPathComponent("large-maps.jsonl"), encoding: .utf8)
            for line in text.split(separator: "\n").prefix(20) {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                let input = Data(base64Encoded: object["input_b64"] as? String ?? "") ?? Data()
                try writeFile(root + "/input.json", [UInt8](input))
                for (flag, column) in [(["--otp", "25"], "canonical_otp25_b64"), (["--otp", "27"], "canonical_otp27_b64"), ([], "canonical_otp27_b64")] {
                    let expected = Data(base64Encoded: object[column] as? String ?? "") ?? Data()
                    let run = audit(["canonical"] + flag + [root + "/input.json"])
                    #expect(run.status == 0)
                    // The vectors are whole documents; `canonical` omits a top-level `signature`, which they do not have.
                    #expect(Array(run.stdout.utf8) == [UInt8](expected), "\(flag)")
                }
            }
        }
    }

    /// A signed file whose object holds NFC and NFD spellings of one key with different values:
    /// valid for JidoCode, but Foundation and Swift read one value or the other, so `verify` lists
    /// the key and exits 1, as it does for a duplicated key.
    @Test func ambiguousKeysAreFlaggedLikeDuplicates() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let file = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            var object = try #require(StrictJSONDecoder().decode(TestVectors.readBytes(URL(fileURLWithPath: file))).value.objectValue)
            object["config"] = .object(JSONObject([("caf\u{E9}", .string("safe")), ("cafe\u{301}", .string("evil"))]))
            let secret = try TestVectors.readBytes(URL(fileURLWithPath: home + "/.jido_code/machine_secret"))
            try writeFile(file, try SessionSignature.signedFileBytes(for: object, key: SessionKey.derive(machineSecret: secret, hostname: "devbox")))
            let run = audit(["verify", "--home", home, "--hostname", "devbox", file])
            #expect(run.status == 1)
            #expect(run.stdout.contains("valid ") && run.stdout.contains("ambiguous key /config/cafe\u{301}"), "\(run.stdout)")
            #expect(run.stdout.contains("1 file: 1 valid; 1 with ambiguous keys"))
            let json = try JSONSerialization.jsonObject(with: Data(audit(["verify", "--home", home, "--hostname", "devbox",
                                                                          "--format", "json", file]).stdout.utf8)) as? [String: Any]
            let entry = (json?["files"] as? [[String: Any]])?.first
            #expect(entry?["ambiguous_key_count"] as? Int == 1)
        }
    }

    @Test func allValidStoreExitsZeroInText() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let files = try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code/sessions").map { home + "/.jido_code/sessions/" + $0 }
            let run = audit(["verify", "--hostname", "devbox"] + files, environment: ["HOME": home])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasSuffix("5 files: 5 valid (hostname \"devbox\")\n"))
            // Another hostname derives another key: every file is invalid.
            let wrongHost = audit(["verify", "--home", home, "--hostname", "elsewhere"] + files)
            #expect(wrongHost.status == 1)
            #expect(wrongHost.stdout.contains("5 invalid"))
        }
    }

    /// A FILE that cannot be read is an error, not a verdict: the reason on stderr, exit status 3, and the
    /// other files still verified. A symbolic link is not followed.
    @Test func unreadableFilesAreErrorsAndASymlinkIsNotFollowed() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let target = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            #expect(symlink(target, root + "/link.json") == 0)
            #expect(mkfifo(root + "/fifo.json", 0o600) == 0)
            let run = audit(["verify", "--home", home, "--hostname", "devbox", "--format", "json",
                             root + "/link.json", target, root + "/fifo.json", root + "/missing.json"])
            #expect(run.status == 3)
            #expect(try verifiedFiles(run.stdout).map { $0["verdict"] as? String } == ["valid"])
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let unreadable = object?["unreadable"] as? [[String: String]] ?? []
            #expect(unreadable.map { $0["file"] ?? "" } == [root + "/link.json", root + "/fifo.json", root + "/missing.json"])
            #expect(unreadable.first?["error"]?.contains("symbolic link") == true)
            #expect(unreadable.dropFirst().first?["error"]?.contains("fifo") == true)
            #expect(run.stderr.hasSuffix("jido-audit verify: cannot read \(root)/missing.json: No such file or directory\n"), "\(run.stderr)")

            // Larger than JidoCode's limit: JidoCode refuses it too, so it is a verdict, not an error.
            try writeFile(root + "/big.json", [], mode: 0o600)
            #expect(truncate(root + "/big.json", off_t(JSONLimits.default.maxInputBytes + 1)) == 0)
            let big = audit(["verify", "--home", home, "--hostname", "devbox", "--format", "json", root + "/big.json"])
            #expect(big.status == 1 && big.stderr.isEmpty)
            #expect(try verifiedFiles(big.stdout).map { $0["verdict"] as? String } == ["undecodable"])
            #expect(audit(["canonical", root + "/big.json"]).status == 1)

            let missing = audit(["verify", "--home", home, "--hostname", "devbox", "/missing.json"])
            #expect(missing.status == 3)
            #expect(missing.stderr == "jido-audit verify: cannot read /missing.json: No such file or directory\n")
            #expect(missing.stdout == "0 files; 1 could not be read (hostname \"devbox\")\n")
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

/// Messages name what they are about and never advise removing a file outside the store.
@Suite struct MessageTests {
    @Test func aSecretGivenWithSecretFileIsNeverToBeRemoved() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let file = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            for (secret, expected) in [("/dev/zero", "is a character device, not a regular file; give the secret file itself"),
                                       (root, "is a directory, not a regular file"),
                                       ("/nonexistent/secret", "does not exist; check the path")] {
                let run = audit(["verify", "--home", home, "--secret-file", secret, file])
                #expect(run.status == 3)
                #expect(run.stderr.contains(expected), "\(secret): \(run.stderr)")
                #expect(!run.stderr.contains("Remove it") && !run.stderr.contains("pass --secret-file"), "\(run.stderr)")
            }
        }
    }

    @Test func usageMessagesSayWhatIsWrong() {
        let run = audit(["audit", "extra"], environment: ["HOME": "/nonexistent"])
        #expect(run.status == 2 && run.stderr.contains("'audit' takes no arguments, only options (unexpected 'extra')"), "\(run.stderr)")
        #expect(audit(["--help"]).stdout.contains("notes alone exit 0"))
        let owner = audit(["audit", "--owner", "no-such-user-here"], environment: ["HOME": "/nonexistent"])
        #expect(owner.status == 2 && owner.stderr.contains("--owner: no user named 'no-such-user-here'"), "\(owner.stderr)")
    }

    @Test func canonicalReadsStandardInputForADash() throws {
        let process = Process()
        process.executableURL = productsDirectory().appendingPathComponent("jido-audit")
        process.arguments = ["canonical", "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(#"{"signature":"x","b":[],"a":-0e5}"#.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == "{\n  \"a\": 0.0,\n  \"b\": []\n}")
    }

    @Test func anEmptyJidoHomeDoesNotHideHome() throws {
        try withTemporaryDirectory { root in
            let home = try copyVectorStore("basic", into: root)
            let file = home + "/.jido_code/sessions/5f0c6a52-1b7e-4c1e-9a3b-0d2f6e8a9b10.json"
            let run = audit(["verify", "--hostname", "devbox", file], environment: ["JIDO_HOME": "", "HOME": home])
            #expect(run.status == 0, "\(run.stderr)")
        }
    }

    /// A store directory that is a symbolic link is reported as a directory, not as a session file.
    @Test func storeDirectoryErrorsNameADirectory() throws {
        try withTemporaryDirectory { root in
            let home = root + "/home"
            #expect(mkdir(home, 0o700) == 0 && mkdir(root + "/elsewhere", 0o700) == 0)
            #expect(symlink(root + "/elsewhere", home + "/.jido_code") == 0)
            #expect(throws: StoreError.untrustedDirectory(.wrongType(.symbolicLink))) {
                try SessionStore(dataDirectory: home + "/.jido_code", key: SessionKey.ephemeral())
            }
            // Opening by home reads the secret first: its message names the directory too.
            do throws(StoreError) {
                _ = try SessionStore.open(home: home, hostname: "h")
                Issue.record("opened a store through a symbolic link")
            } catch {
                #expect(error.logDescription.contains("not a directory"), "\(error.logDescription)")
            }
            let error = StoreError.untrustedDirectory(.wrongType(.symbolicLink))
            #expect(error.logDescription.contains("store directory") && !error.userMessage.contains("session file"))
        }
    }
}
