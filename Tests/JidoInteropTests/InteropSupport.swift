import Foundation
import Glibc
import JidoTestSupport

/// A finished child process; stdout is kept as bytes (`canonical` prints raw bytes).
struct InteropProcessResult {
    let status: Int32
    let stdout: Data
    let stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable ARGS...` to completion with stdin from /dev/null and stdout/stderr in files under `scratch`
/// (no pipe can fill up and stall the child, whatever it prints).
func runInteropProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       scratch: String) throws -> InteropProcessResult {
    let stamp = UUID().uuidString
    let outPath = scratch + "/.stdout-" + stamp, errPath = scratch + "/.stderr-" + stamp
    guard FileManager.default.createFile(atPath: outPath, contents: nil), FileManager.default.createFile(atPath: errPath, contents: nil),
          let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
        throw InteropOracle.Failure(description: "cannot create output files in \(scratch)")
    }
    defer {
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    return InteropProcessResult(status: process.terminationStatus, stdout: try Data(contentsOf: URL(fileURLWithPath: outPath)),
                                stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
}

/// The `jido-audit` binary `swift build` made for this test run.
var interopAuditBinary: String { productsDirectory().appendingPathComponent("jido-audit").path }

/// One object of `jido-audit verify --format json`.
struct InteropOurVerdict: Sendable {
    let file: String
    let verdict: String
    let canonical: Bool?
    let duplicateKeys: [String]
    let detail: String?
    /// none | otp25 | otp27; nil when the output has no such field.
    let beamOrder: String?

    var summary: String {
        var text = verdict
        if let detail { text += " (\(detail.prefix(120)))" }
        return text
    }

    /// The verdicts of JidoCode's `verify` this verdict stands for (see the interop section of the README):
    /// valid→valid, invalid→invalid, unsigned→unsigned, null-signature→unsigned (JidoCode loads it unverified),
    /// malformed with a string signature that is not base64 of 32 bytes→invalid, malformed with a non-string
    /// non-null signature→crash_nonbinary_signature, undecodable→undecodable or not_object.
    var jidocodeEquivalents: Set<String> {
        switch verdict {
        case "valid": return ["valid"]
        case "invalid": return ["invalid"]
        case "unsigned", "null-signature": return ["unsigned"]
        case "undecodable": return ["undecodable", "not_object"]
        case "malformed":
            let text = (detail ?? "").lowercased()
            if text.contains("not a string") { return ["crash_nonbinary_signature"] }
            if text.contains("base64") { return ["invalid"] }
            return []
        default: return []
        }
    }
}

/// The parsed output of `jido-audit verify --format json`: the per-file objects, and the other top-level members when
/// the output is an object (the hostname report) rather than a bare array.
struct InteropOurReport {
    let files: [String: InteropOurVerdict]
    let topLevel: [String: Any]
    let status: Int32
    let stderr: String
}

enum InteropAudit {
    /// `jido-audit ARGS...` (the built binary), optionally in a private UTS namespace whose hostname is `utsHostname`.
    static func run(_ arguments: [String], utsHostname: String? = nil, scratch: String) throws -> InteropProcessResult {
        guard let utsHostname else { return try runInteropProcess(interopAuditBinary, arguments, scratch: scratch) }
        // unshare --uts sh -c 'hostname NAME && exec "$0" "$@"' jido-audit ARGS...
        return try runInteropProcess("/usr/bin/env", ["unshare", "--uts", "sh", "-c", "hostname \"$JIDO_INTEROP_HOST\" && exec \"$0\" \"$@\"",
                                                       interopAuditBinary] + arguments,
                                     environment: ProcessInfo.processInfo.environment.merging(["JIDO_INTEROP_HOST": utsHostname]) { $1 },
                                     scratch: scratch)
    }

    /// `jido-audit verify --format json --home HOME [--hostname NAME] FILE...`; exit status 0 or 1 is a report.
    static func verify(home: String, hostname: String?, files paths: [String], utsHostname: String? = nil,
                       scratch: String) throws -> InteropOurReport {
        var arguments = ["verify", "--format", "json", "--home", home]
        if let hostname { arguments += ["--hostname", hostname] }
        let result = try run(arguments + paths, utsHostname: utsHostname, scratch: scratch)
        guard result.status == 0 || result.status == 1 else {
            throw InteropOracle.Failure(description: "jido-audit verify exited \(result.status): \(result.stderr.prefix(2_000))")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: result.stdout) } catch {
            throw InteropOracle.Failure(description: "jido-audit verify --format json printed no JSON (\(error)): \(result.stdoutText.prefix(500))")
        }
        var objects: [[String: Any]] = []
        var topLevel: [String: Any] = [:]
        if let array = json as? [[String: Any]] {
            objects = array
        } else if let object = json as? [String: Any] {
            for (key, value) in object {
                if let array = value as? [[String: Any]], array.first?["file"] != nil || array.isEmpty && objects.isEmpty {
                    objects = array
                } else {
                    topLevel[key] = value
                }
            }
        }
        var files: [String: InteropOurVerdict] = [:]
        for object in objects {
            guard let file = object["file"] as? String, let verdict = object["verdict"] as? String else { continue }
            files[file] = InteropOurVerdict(file: file, verdict: verdict, canonical: object["canonical"] as? Bool,
                                            duplicateKeys: object["duplicate_keys"] as? [String] ?? [], detail: object["detail"] as? String,
                                            beamOrder: object["beam_order"] as? String)
        }
        let missing = paths.filter { files[$0] == nil }
        guard missing.isEmpty else {
            throw InteropOracle.Failure(description: "jido-audit verify reported nothing for \(missing.count) of \(paths.count) files, e.g. \(missing[0])")
        }
        return InteropOurReport(files: files, topLevel: topLevel, status: result.status, stderr: result.stderr)
    }
}

/// A fresh temporary directory for one test, removed when the test ends.
func withInteropScratch<R>(_ body: (String) throws -> R) throws -> R {
    try withTemporaryDirectory { path in try body(path) }
}

/// The disagreements of a comparison, printed as one issue (at most `limit` lines, then a count).
struct InteropDisagreements {
    private(set) var lines: [String] = []
    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }

    mutating func add(_ line: String) { lines.append(line) }

    /// At most `limit` lines (JIDO_INTEROP_REPORT_LIMIT overrides it, to see them all).
    func report(_ title: String, limit: Int = 20) -> String {
        let limit = ProcessInfo.processInfo.environment["JIDO_INTEROP_REPORT_LIMIT"].flatMap { Int($0) } ?? limit
        var text = "\(title): \(lines.count) disagreement\(lines.count == 1 ? "" : "s")\n"
        text += lines.prefix(limit).map { "  - " + $0 }.joined(separator: "\n")
        if lines.count > limit { text += "\n  ... and \(lines.count - limit) more" }
        return text
    }
}

/// The first differing byte of two byte strings, with some context, for a readable report.
func interopFirstDifference(_ a: [UInt8], _ b: [UInt8], labels: (String, String) = ("ours", "jidocode")) -> String? {
    let n = min(a.count, b.count)
    var i = 0
    while i < n, a[i] == b[i] { i += 1 }
    if i == n, a.count == b.count { return nil }
    let from = max(0, i - 30)
    func context(_ x: [UInt8]) -> String {
        let slice = Array(x[min(from, x.count)..<min(x.count, i + 40)])
        return String(reflecting: String(decoding: slice, as: UTF8.self))
    }
    return "offset \(i) (\(labels.0) \(a.count) bytes, \(labels.1) \(b.count) bytes): \(labels.0) …\(context(a))… \(labels.1) …\(context(b))…"
}

/// Lists `*.json` in a directory, sorted, as full paths.
func interopJSONFiles(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
}

/// Writes `bytes` to `path` (0644: JidoCode's mode; the oracle and the CLI read it as the same user).
func interopWrite(_ path: String, _ bytes: [UInt8]) throws {
    try writeFile(path, bytes, mode: 0o644)
}
