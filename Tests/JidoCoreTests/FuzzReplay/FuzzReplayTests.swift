import Foundation
import JidoCore
import JidoFuzzChecks
import JidoTestSupport
import Testing

/// Replays every committed fuzz input (Corpus/<target>/ and Corpus/regressions/) through the fuzzers'
/// own invariant checks (the `JidoFuzzChecks` target, which Fuzz/ links into the fuzzers), without
/// libFuzzer. Every file goes through all four checks, so a regression found by one fuzzer also
/// guards the others. Of the adversarial seeds (Corpus/adversarial/, `jido-bench adversarial
/// --write-seeds`) only the 8 KiB ones are replayed here (cheap); the 1 MiB ones are replayed by
/// Fuzz/run under FUZZ_LIMIT_FLAGS, where a timeout or an out-of-memory fails.
@Suite struct FuzzReplayTests {
    /// The repository root: the nearest folder above this file with a Package.swift and a Corpus/.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            let manifest = url.appendingPathComponent("Package.swift").path
            if FileManager.default.fileExists(atPath: manifest),
               FileManager.default.fileExists(atPath: url.appendingPathComponent("Corpus").path) {
                return url
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    static let folders = FuzzChecks.targets.map(\.name) + ["regressions", "adversarial/8192"]

    /// The files of `Corpus/<folder>/`, sorted (one test case per folder keeps the log short; a
    /// failure names the file).
    static func files(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Corpus/\(folder)").path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "Corpus/\(folder)/\($0)" }
    }

    @Test func corpusIsPresent() {
        for folder in Self.folders where folder != "regressions" {
            #expect(!Self.files(in: folder).isEmpty, "Corpus/\(folder)/ is empty or missing")
        }
        #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent("Corpus/json.dict").path))
    }

    @Test(arguments: folders)
    func invariantsHold(_ folder: String) throws {
        for path in Self.files(in: folder) {
            let bytes = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(path)))
            for target in FuzzChecks.targets {
                do {
                    try target.check(bytes)
                } catch {
                    Issue.record("\(path): \(error)")
                }
            }
        }
    }

    /// The fuzzers' fixed key is the `mixed` store's: its 16 files JidoCode calls valid verify `.valid`,
    /// so the corpus reaches the valid path; none verifies under the other key.
    @Test func theFuzzKeyIsTheMixedStoresKey() throws {
        let sessions = try TestVectors.directory().appendingPathComponent("mixed/home/.jido_code/sessions")
        let keys = try FuzzChecks.keys("replay")
        var valid = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: sessions.path) {
            let bytes = try TestVectors.readBytes(sessions.appendingPathComponent(name))
            if SessionSignature.verify(fileBytes: bytes, key: keys.key).verdict == .valid { valid += 1 }
            #expect(SessionSignature.verify(fileBytes: bytes, key: keys.other).verdict != .valid)
        }
        #expect(valid == 16)
    }

    /// Each class of `FuzzChecks.differential` is reachable: these inputs differ between the decoder and
    /// Foundation exactly as documented, and the check excuses them.
    @Test(arguments: [
        "{\"a\":1,\"a\":2}",                                     // D1
        "{\"\u{E9}\":1,\"e\u{301}\":2}",                         // D2
        "1" + String(repeating: "2", count: 40),                 // D3
        "10000000000000002" + String(repeating: "0", count: 277), // D4
        "0.12345678901234567",                                   // D5
        "\"\\u00e1\u{FEFF}89\"",                                 // D6
        "1" + String(repeating: "0", count: 400),                // A1
        String(repeating: "[", count: 512) + "[]" + String(repeating: "]", count: 512), // A2
        "[1,]", "{\"a\":[1,],}",                                 // R1
        "\u{FEFF}{\"a\":1}",                                     // R2
        "0." + String(repeating: "0", count: 1100) + "1",        // R4
    ])
    func differentialClassesAreExcused(_ text: String) throws {
        try FuzzChecks.differential(Array(text.utf8))
    }

    /// And the checks are not vacuous: real disagreements throw, and the census finds duplicates,
    /// including those inside a member the decoder dropped.
    @Test func theChecksCatchDisagreements() {
        let one = JSONValue.integer(JSONInteger(1))
        #expect(throws: InvariantViolation.self) { try FuzzChecks.compare(one, NSNumber(value: 2), pointer: "", duplicates: []) }
        #expect(throws: InvariantViolation.self) { try FuzzChecks.compare(one, NSNumber(value: true), pointer: "", duplicates: []) }
        #expect(throws: InvariantViolation.self) { try FuzzChecks.compare(.string("e\u{301}"), "\u{E9}", pointer: "", duplicates: []) }
        let object = JSONValue.object(JSONObject([("a", one)]))
        #expect(throws: InvariantViolation.self) { try FuzzChecks.compare(object, ["a": 2] as [String: Any], pointer: "", duplicates: []) }
        #expect(throws: Never.self) { try FuzzChecks.compare(object, ["a": 2] as [String: Any], pointer: "", duplicates: ["/a"]) }
        let census = DuplicateCensus.pointers(in: Array(#"{"a":{"x":1,"x":2},"a":{"y":1,"y":2},"~/":[{"k":0,"k":1}]}"#.utf8))
        #expect(census == ["/a/x", "/a", "/a/y", "/~0~1/0/k"])
    }

    @Test func utf16IsExcused() throws {
        try FuzzChecks.differential([0x7B, 0x00, 0x7D, 0x00])  // R3
    }
}
