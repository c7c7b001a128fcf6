import Foundation
import Glibc
import JidoTestSupport
import Testing
@testable import JidoCore

/// The machine secret is read only through checked descriptors, created race-free, never replaced.
@Suite struct MachineSecretTests {
    static let standardSecret = Array("24159df5d43308cb82c7165876d853c8c8f4e1e4574d6a401b27598c3d9f6ed2".utf8)

    /// A home with `.jido_code/` (0700) and, if given, a secret file with `mode`.
    func makeHome(_ root: String, secret: [UInt8]? = standardSecret, mode: mode_t = 0o600) throws -> String {
        let data = root + "/.jido_code"
        guard mkdir(data, 0o700) == 0 else { throw POSIXError(.EIO) }
        if let secret { try writeFile(data + "/machine_secret", secret, mode: mode) }
        return root
    }

    func problem(_ body: () throws(MachineSecretError) -> MachineSecret) -> MachineSecretError.Problem? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.problem
        }
    }

    @Test func readsTheExactBytesAndDerivesJidoCodesKey() throws {
        let vectors = try TestVectors.directory()
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: vectors.appendingPathComponent("basic/manifest.json"))) as? [String: Any]
        let secretBytes = try TestVectors.readBytes(vectors.appendingPathComponent("basic/home/.jido_code/machine_secret"))
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: secretBytes)
            let secret = try MachineSecret.load(home: home)
            #expect(secret.byteCount == secretBytes.count)
            #expect(secret.isStandardForm)
            let key = try secret.sessionKey(hostname: manifest?["hostname"] as? String ?? "")
            #expect(key.withUnsafeBytes { Array($0) } == hexBytes(manifest?["derived_key_hex"] as? String ?? ""))
        }
    }

    @Test func createsA0600SecretIn0700DirectoryAndKeepsIt() throws {
        try withTemporaryDirectory { home in
            let created = try MachineSecret.loadOrCreate(home: home)
            #expect(created.byteCount == 64 && created.isStandardForm)
            #expect(fileMode(home + "/.jido_code") == 0o700)
            #expect(fileMode(home + "/.jido_code/machine_secret") == 0o600)
            let again = try MachineSecret.loadOrCreate(home: home)
            #expect(try again.fingerprint() == created.fingerprint())
            let names = try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code")
            #expect(names == ["machine_secret"], "no temporary file may remain")
        }
    }

    @Test func missingSecretIsAnErrorUnlessCreationIsAsked() throws {
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: nil)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.load(home: home) } == .missing)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.load(home: root + "/nowhere") } == .missing)
        }
    }

    enum Tamper: String, CaseIterable, Sendable {
        case symlink, directory, fifo, short, groupReadable, worldReadable, foreignOwner, hardLink, tooLarge
    }

    @Test(arguments: Tamper.allCases)
    func refusesAndNeverReplacesABadSecret(_ tamper: Tamper) throws {
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: nil)
            let path = home + "/.jido_code/machine_secret"
            switch tamper {
            case .symlink:
                try writeFile(root + "/elsewhere", Self.standardSecret)
                #expect(symlink(root + "/elsewhere", path) == 0)
            case .directory: #expect(mkdir(path, 0o700) == 0)
            case .fifo: #expect(mkfifo(path, 0o600) == 0)
            case .short: try writeFile(path, Array(Self.standardSecret.prefix(31)))
            case .groupReadable: try writeFile(path, Self.standardSecret, mode: 0o640)
            case .worldReadable: try writeFile(path, Self.standardSecret, mode: 0o644)
            case .foreignOwner:
                try writeFile(path, Self.standardSecret)
                #expect(chown(path, 65534, 65534) == 0)
            case .hardLink:
                try writeFile(path, Self.standardSecret)
                #expect(link(path, home + "/.jido_code/second-name") == 0)
            case .tooLarge: try writeFile(path, [UInt8](repeating: 0x61, count: MachineSecret.maximumBytes + 1))
            }
            var before = stat()
            _ = lstat(path, &before)
            let expected: MachineSecretError.Problem
            switch tamper {
            case .symlink: expected = .symbolicLink
            case .directory: expected = .notRegularFile(.directory)
            case .fifo: expected = .notRegularFile(.fifo)
            case .short: expected = .tooShort(31)
            case .groupReadable: expected = .insecurePermissions(FilePermissions(rawValue: 0o640))
            case .worldReadable: expected = .insecurePermissions(FilePermissions(rawValue: 0o644))
            case .foreignOwner: expected = .wrongOwner(owner: 65534, expected: geteuid())
            case .hardLink: expected = .multipleLinks(2)
            case .tooLarge: expected = .tooLarge(Int64(MachineSecret.maximumBytes + 1))
            }
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.load(home: home) } == expected)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: home) } == expected)
            var after = stat()
            _ = lstat(path, &after)
            #expect(after.st_ino == before.st_ino && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec, "the bad secret must stay as it was")
        }
    }

    @Test func refusesADataDirectoryThatIsASymlinkOrForeign() throws {
        try withTemporaryDirectory { root in
            #expect(mkdir(root + "/real", 0o700) == 0)
            #expect(symlink(root + "/real", root + "/.jido_code") == 0)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: root) } == .notADirectory(.symbolicLink), "a directory problem, worded as one")
        }
        try withTemporaryDirectory { root in
            _ = try makeHome(root, secret: nil)
            #expect(chown(root + "/.jido_code", 65534, 65534) == 0)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: root) }
                    == .wrongOwner(owner: 65534, expected: geteuid()))
        }
        try withTemporaryDirectory { root in
            _ = try makeHome(root, secret: nil)
            #expect(chmod(root + "/.jido_code", 0o777) == 0)
            #expect(problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: root) }
                    == .insecureDirectory(FilePermissions(rawValue: 0o777)))
        }
    }

    /// The secret is published by rename, never by link: no moment exists when it has two names, so a
    /// racing creator never reads it as hard-linked (CI once saw `multipleLinks(2)` with link then unlink).
    @Test func creationNeverGivesTheSecretASecondName() throws {
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: nil)
            let faults = SyscallFaults()
            faults.fail(.link, errno: EIO, times: 100)
            let created = try SyscallFaults.$current.withValue(faults) { try MachineSecret.loadOrCreate(home: home) }
            #expect(try MachineSecret.load(home: home).fingerprint() == created.fingerprint())
            #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code") == ["machine_secret"])
        }
    }

    /// Several processes creating at once: one secret wins and every process uses it.
    @Test func racingProcessesAllEndUpWithTheWinnersSecret() throws {
        for _ in 0..<5 {
            try withTemporaryDirectory { home in
                let launched = try (0..<6).map { _ in try launchProduct("jido-test-helper", ["secret-load-or-create", home]) }
                var fingerprints: Set<String> = []
                for (process, out, err) in launched {
                    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    process.waitUntilExit()
                    #expect(process.terminationStatus == 0, "\(errors)")
                    fingerprints.insert(output.trimmingCharacters(in: .whitespacesAndNewlines))
                }
                #expect(fingerprints.count == 1)
                #expect(try MachineSecret.load(home: home).fingerprint() == fingerprints.first)
                #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code") == ["machine_secret"])
            }
        }
    }

    /// Permission denied for real: an unprivileged child (uid 65534) cannot enter a 0700 home.
    @Test func unprivilegedProcessGetsPermissionDenied() throws {
        try withTemporaryDirectory { root in
            _ = try makeHome(root)
            #expect(chmod(root, 0o700) == 0)
            let result = try runProduct("jido-test-helper", ["--as-user", "65534", "secret-load-or-create", root])
            #expect(result.status == 2)
            #expect(result.stderr.contains("unreadable") && result.stderr.contains("Permission denied"), "\(result.stderr)")
        }
    }

    /// A failed fsync, write or rename during creation leaves neither a secret nor a temporary file.
    @Test(arguments: [SyscallName.fsync, .write, .rename])
    func failedCreationLeavesNothingBehind(_ call: SyscallName) throws {
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: nil)
            let faults = SyscallFaults()
            faults.fail(call, errno: call == .write ? ENOSPC : EIO)
            let outcome = SyscallFaults.$current.withValue(faults) {
                problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: home) }
            }
            guard case .creationFailed? = outcome else {
                Issue.record("expected creationFailed, got \(String(describing: outcome))")
                return
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code").isEmpty)
        }
    }

    /// A file system without RENAME_NOREPLACE (EINVAL) gets the secret by `link`; a failing link then
    /// leaves nothing behind, and a working one leaves only `machine_secret`, with one link.
    @Test func withoutRenameNoReplaceTheSecretIsLinked() throws {
        try withTemporaryDirectory { root in
            let home = try makeHome(root, secret: nil)
            let faults = SyscallFaults()
            faults.fail(.rename, errno: EINVAL)
            faults.fail(.link, errno: EIO)
            let outcome = SyscallFaults.$current.withValue(faults) {
                problem { () throws(MachineSecretError) in try MachineSecret.loadOrCreate(home: home) }
            }
            guard case .creationFailed? = outcome else {
                Issue.record("expected creationFailed, got \(String(describing: outcome))")
                return
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code").isEmpty)

            let fallback = SyscallFaults()
            fallback.fail(.rename, errno: EINVAL)
            let created = try SyscallFaults.$current.withValue(fallback) { try MachineSecret.loadOrCreate(home: home) }
            #expect(created.isStandardForm)
            #expect(try MachineSecret.load(home: home).fingerprint() == created.fingerprint())
            #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/.jido_code") == ["machine_secret"])
        }
    }
}
