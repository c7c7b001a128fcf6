import Foundation
import JidoTestSupport
import Testing

// The interop suite: JidoGuard against JidoCode's REAL persistence code (`../shared/oracle`, see its README). This
// target is the only test code that reads `../shared`.
//
// One parameterized test (one case per check and OTP family, run in parallel) rather than a suite of tests, so that
// without the oracle the whole suite is skipped with exactly one line (a disabled suite repeats the skip for each of
// its tests). JIDO_INTEROP_CHECKS=store,ours,mutants,numbers,moved,rotation runs only the named checks.
@Test("JidoCode interop (JidoGuard against JidoCode's real code, ../shared/oracle)",
      .enabled(if: InteropOracle.isAvailable, "JidoCode oracle not found at \(InteropOracle.path): interop suite skipped"),
      arguments: InteropCheck.selected)
func jidoCodeInterop(_ check: InteropCheck) throws {
    try check.run()
}

/// One check of the interop suite on one OTP family.
struct InteropCheck: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable, CaseIterable {
        /// JidoCode's store, some files tampered: jido-audit verify gives JidoCode's verdicts (InteropJidoCodeToUsTests).
        case store
        /// Our SessionStore's files: valid, loaded and byte for byte JidoCode's (InteropUsToJidoCodeTests).
        case ours
        /// Seeded mutants of JidoCode's files: the same verdicts (InteropDifferentialTests).
        case mutants
        /// Number edges: canonical bytes (InteropNumberEdgeTests).
        case numbers
        /// Sessions exported on machine A and imported on machine B verify under B (InteropSessionMoveTests).
        case moved
        /// JidoCode's store after `jido-audit rotate-secret`: valid, loaded, JidoCode's bytes (InteropRotationTests).
        case rotation
    }

    let kind: Kind
    let family: InteropOracle.Family

    var testDescription: String {
        switch kind {
        case .store: "JidoCode's store (100 sessions, large maps, tampered files) gets JidoCode's verdicts from jido-audit verify, \(family)"
        case .ours: "sessions written by our SessionStore are valid, load, and are JidoCode's exact bytes, \(family)"
        case .mutants: "mutants of JidoCode's files: jido-audit verify agrees with JidoCode's verify, \(family)"
        case .numbers: "number edges: jido-audit canonical equals the bytes JidoCode signs, \(family)"
        case .moved: "jido-session export on machine A, import on machine B: valid under B for JidoCode and jido-audit, same content, \(family)"
        case .rotation: "JidoCode's store after rotate-secret: every re-signed session is valid, loads and is JidoCode's bytes, \(family)"
        }
    }

    func run() throws {
        switch kind {
        case .store: try InteropChecks.jidocodeStoreVerdictsAgree(family: family)
        case .ours: try InteropChecks.ourStoreIsJidoCodes(family: family)
        case .mutants: try InteropChecks.mutantVerdictsAgree(family: family)
        case .numbers: try InteropChecks.numberEdgesAgree(family: family)
        case .moved: try InteropChecks.movedSessionsVerifyOnB(family: family)
        case .rotation: try InteropChecks.rotatedStoreIsJidoCodes(family: family)
        }
    }

    /// Every check on both families, or those JIDO_INTEROP_CHECKS names.
    static var selected: [InteropCheck] {
        let names = ProcessInfo.processInfo.environment["JIDO_INTEROP_CHECKS"].map { Set($0.split(separator: ",").map(String.init)) }
        return Kind.allCases.filter { names?.contains($0.rawValue) ?? true }.flatMap { kind in
            InteropOracle.Family.allCases.map { InteropCheck(kind: kind, family: $0) }
        }
    }
}

/// The checks (one file each), as static functions called by `jidoCodeInterop`.
enum InteropChecks {}

/// JidoCode's `jidocode` command line (`../shared/oracle/jidocode`): verify, write-store, canonical, tamper.
enum InteropOracle {
    /// `<repository root>/../shared/oracle/jidocode`.
    static let path: String = TestVectors.repositoryRoot()
        .deletingLastPathComponent()
        .appendingPathComponent("shared/oracle/jidocode")
        .standardizedFileURL.path

    static var directory: String { (path as NSString).deletingLastPathComponent }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// The two Erlang/OTP families whose large-map order JidoCode's files can have.
    enum Family: Int, Sendable, CaseIterable, CustomStringConvertible {
        case otp25 = 25
        case otp27 = 27

        var flag: String { String(rawValue) }
        var description: String { "OTP \(rawValue)" }
        /// What `jido-audit verify --format json` reports as `beam_order` for a file with a large object.
        var beamOrderName: String { "otp\(rawValue)" }
    }

    /// One line of `jidocode verify`.
    struct Verdict: Sendable {
        let path: String
        /// valid | invalid | unsigned | undecodable | not_object | crash_nonbinary_signature
        let verdict: String
        /// ok | error:... | raise:... | skipped...
        let load: String
        /// true | false | - (the file is byte for byte what JidoCode writes for its content)
        let jidocodeBytes: String
        let firstDiff: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `jidocode ARGS...`; throws with its stderr unless it exits 0.
    @discardableResult
    static func run(_ arguments: [String], scratch: String) throws -> InteropProcessResult {
        let result = try runInteropProcess(path, arguments, scratch: scratch)
        guard result.status == 0 else {
            throw Failure(description: "oracle `jidocode \(arguments.prefix(8).joined(separator: " "))` exited \(result.status):\n"
                + result.stderr.suffix(2_000))
        }
        return result
    }

    /// `jidocode write-store`: a store written by JidoCode's real writer under `home`; returns the manifest.
    static func writeStore(home: String, hostname: String, sessions: Int, seed: Int, bigMapEvery: Int, scale: Double? = nil,
                           family: Family, scratch: String) throws -> [ManifestSession] {
        var arguments = ["write-store", "--home", home, "--hostname", hostname, "--sessions", String(sessions), "--seed", String(seed),
                         "--big-map-every", String(bigMapEvery), "--otp", family.flag]
        if let scale { arguments += ["--scale", String(scale)] }
        try run(arguments, scratch: scratch)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: home + "/manifest.json")))
        guard let sessions = (manifest as? [String: Any])?["sessions"] as? [[String: Any]] else {
            throw Failure(description: "oracle manifest \(home)/manifest.json has no sessions array")
        }
        return sessions.compactMap { entry in
            guard let id = entry["id"] as? String, let index = entry["index"] as? Int else { return nil }
            return ManifestSession(id: id, index: index, bigMap: entry["big_map"] as? Bool ?? false,
                                   path: home + "/.jido_code/sessions/" + id + ".json")
        }.sorted { $0.index < $1.index }
    }

    struct ManifestSession: Sendable {
        let id: String
        let index: Int
        let bigMap: Bool
        let path: String
    }

    /// `jidocode verify`: JidoCode's verdict for each of `files` (all in ONE BEAM run), keyed by path.
    /// `dumpCanonical`: a directory where the oracle writes the bytes JidoCode signs for every decodable object.
    static func verify(home: String, hostname: String, family: Family, files: [String], load: Bool = true,
                       dumpCanonical: String? = nil, scratch: String) throws -> [String: Verdict] {
        var arguments = ["verify", "--home", home, "--hostname", hostname, "--otp", family.flag]
        if !load { arguments.append("--no-load") }
        if let dumpCanonical { arguments += ["--dump-canonical", dumpCanonical] }
        let result = try run(arguments + files, scratch: scratch)
        var verdicts: [String: Verdict] = [:]
        for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 4 else { continue }
            verdicts[fields[0]] = Verdict(path: fields[0], verdict: fields[1], load: fields[2], jidocodeBytes: fields[3],
                                          firstDiff: fields.count > 4 ? fields[4] : "")
        }
        let missing = files.filter { verdicts[$0] == nil }
        guard missing.isEmpty else {
            throw Failure(description: "oracle verify printed no line for \(missing.count) of \(files.count) files, e.g. \(missing[0]);"
                + " stderr: \(result.stderr.suffix(1_000))")
        }
        return verdicts
    }

    /// `jidocode sign-raw`: signs each decodable object file without a signature in place, the way JidoCode verifies
    /// (the signature goes first, every other byte stays), so JidoCode calls it valid whatever its spelling.
    static func signRaw(home: String, hostname: String, family: Family, files: [String], scratch: String) throws {
        guard !files.isEmpty else { return }
        try run(["sign-raw", "--home", home, "--hostname", hostname, "--otp", family.flag] + files, scratch: scratch)
    }

    /// `python3 drivers/tamper.py KIND FILE...` (content, nullsig, numsig, objsig, dropsig).
    static func tamper(_ kind: String, _ files: [String], scratch: String) throws {
        guard !files.isEmpty else { return }
        let result = try runInteropProcess("/usr/bin/env", ["python3", directory + "/drivers/tamper.py", kind] + files, scratch: scratch)
        guard result.status == 0 else { throw Failure(description: "tamper.py \(kind) exited \(result.status): \(result.stderr)") }
    }
}
