import Foundation
import Glibc
import JidoCore
import JidoToolSupport

/// `jido-bench adversarial`: grows hostile inputs from 1 KiB to 10 MiB and prints, per shape and
/// size, the time and the peak memory of what a reader of an untrusted file does with it (decode,
/// verify on the exact slow path, the ambiguous-key walk). Each measurement runs in a child process
/// of its own (`adversarial-one`), so its peak RSS is its own; an idle child gives the baseline.
/// Linear time and memory show as a 10 MiB / 1 MiB ratio near 10.
enum AdversarialBenchmark {
    static let usage = """
        usage:
          jido-bench adversarial [--max-bytes N (10485760)] [--shape NAME] [--json]
          jido-bench adversarial --write-seeds DIR --bytes N [--shape NAME]

        shapes: many-keys (one object, N keys), many-duplicates (one key N times), deep-long-keys (500 levels
        under keys of N/500 bytes, a duplicate at the bottom), many-containers (N small arrays and objects),
        long-escapes (one string of \\u00e9 escapes), ambiguous-keys (NFC/NFD key pairs), deep-many-duplicates
        (half the bytes nest up to 500 levels under long keys, the other half repeats one key at the bottom).
        Prints seconds and peak RSS above an idle child per size, then the 10 MiB / 1 MiB ratios.
        --write-seeds writes each shape at about N bytes to DIR/<shape>.json instead (new files only): the
        fuzzers' adversarial seeds, Corpus/adversarial/<N>/ (see Fuzz/README.md).
        """

    static let shapes = ["many-keys", "many-duplicates", "deep-long-keys", "many-containers", "long-escapes", "ambiguous-keys",
                         "deep-many-duplicates"]

    static func run(_ argv: ArraySlice<String>) -> ExitCode {
        do {
            let args = try ToolArguments(argv, values: ["max-bytes", "shape", "write-seeds", "bytes"], flags: ["json"],
                                         acceptsHelp: true)
            if args.wantsHelp {
                print(usage)
                return .success
            }
            let selected = try args.value("shape").map { shape throws(UsageError) -> [String] in
                guard shapes.contains(shape) else { throw UsageError("unknown shape '\(shape)'") }
                return [shape]
            } ?? shapes
            if let directory = args.value("write-seeds") {
                guard args.value("bytes") != nil else { throw UsageError("--write-seeds needs --bytes N") }
                let bytes = try args.integer("bytes", default: 0, in: 1024...(10 << 20))
                return writeSeeds(selected, bytes: bytes, to: directory)
            }
            let maxBytes = try args.integer("max-bytes", default: 10 << 20, in: 1024...(10 << 20))
            let sizes = [1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 10 << 20].filter { $0 <= maxBytes }
            let idle = try measure(shape: "idle", bytes: 0).rssBytes
            let json = args.flag("json")
            if !json {
                print("shape".padding(toLength: 22, withPad: " ", startingAt: 0) + "bytes".leftPadded(10) + "seconds".leftPadded(10)
                      + "peak MB".leftPadded(10) + "x input".leftPadded(10))
            }
            var rows: [Figures] = []
            var ratios: [Figures] = []
            for shape in selected {
                var bySize: [Int: Measurement] = [:]
                for size in sizes {
                    let m = try measure(shape: shape, bytes: size)
                    bySize[size] = m
                    let above = max(m.rssBytes - idle, 0)
                    var row = Figures()
                    row.add("shape", shape)
                    row.add("bytes", m.inputBytes)
                    row.add("seconds", m.seconds)
                    row.add("peak_bytes_above_idle", above)
                    rows.append(row)
                    if !json {
                        print(shape.padding(toLength: 22, withPad: " ", startingAt: 0) + String(m.inputBytes).leftPadded(10)
                              + format(m.seconds, 3).leftPadded(10) + format(Double(above) / 1e6, 1).leftPadded(10)
                              + format(Double(above) / Double(max(m.inputBytes, 1)), 2).leftPadded(10))
                    }
                }
                if let small = bySize[1 << 20], let large = bySize[10 << 20] {
                    var ratio = Figures()
                    ratio.add("shape", shape)
                    ratio.add("time_10mib_over_1mib", large.seconds / max(small.seconds, 1e-6), decimals: 1)
                    ratio.add("memory_10mib_over_1mib", Double(max(large.rssBytes - idle, 1)) / Double(max(small.rssBytes - idle, 1)), decimals: 1)
                    ratios.append(ratio)
                }
            }
            if json {
                var figures = Figures()
                figures.add("idle_peak_bytes", idle)
                figures.add("measurements", rows: rows)
                figures.add("ratios", rows: ratios)
                figures.print(json: true)
            } else if !ratios.isEmpty {
                print("\n10 MiB / 1 MiB (linear is ~10x; memory also carries the runtime's own growth):")
                for ratio in ratios { print(ratio.text(indent: "  ")) }
            }
            return .success
        } catch let error as UsageError {
            return usageFailure(error.message, usage: usage)
        } catch {
            writeError("jido-bench adversarial: \(error)")
            return .cannotRun
        }
    }

    /// Writes each shape at about `bytes` bytes to `directory/<shape>.json` (created if missing; the
    /// files must not exist yet).
    static func writeSeeds(_ selected: [String], bytes: Int, to directory: String) -> ExitCode {
        do throws(StoreFiles.Failure) {
            try StoreFiles.makeDirectories(directory)
            for shape in selected {
                let input = build(shape, bytes: bytes)
                try StoreFiles.writeNewFile(directory + "/" + shape + ".json", input)
                print("\(directory)/\(shape).json: \(input.count) bytes")
            }
            return .success
        } catch {
            writeError("jido-bench adversarial: \(error)")
            return .cannotRun
        }
    }

    struct Measurement {
        var inputBytes: Int
        var seconds: Double
        var rssBytes: Int
    }

    struct ChildFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `adversarial-one` in a child process and reads its one line: input bytes, seconds, peak RSS.
    static func measure(shape: String, bytes: Int) throws -> Measurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["adversarial-one", shape, String(bytes)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        guard process.terminationStatus == 0, fields.count == 3, let input = Int(fields[0]), let seconds = Double(fields[1]),
              let rss = Int(fields[2]) else {
            throw ChildFailed(description: "the measurement of \(shape) at \(bytes) bytes failed (status \(process.terminationStatus)): \(text)")
        }
        return Measurement(inputBytes: input, seconds: seconds, rssBytes: rss)
    }

    /// The child: builds the input, then decodes, verifies and walks it; prints `bytes seconds rss`.
    static func runOne(_ argv: ArraySlice<String>) -> ExitCode {
        guard argv.count == 2, let shape = argv.first, let bytes = argv.last.flatMap({ Int($0) }) else { return .usage }
        let input = build(shape, bytes: bytes)
        let started = MonotonicClock.now
        if !input.isEmpty, let key = try? SessionKey.ephemeral() {
            let verification = SessionSignature.verify(fileBytes: input, key: key)
            var ambiguous = 0
            if let document = try? StrictJSONDecoder().decode(input) {
                ambiguous = KeyAmbiguity.report(in: document.value).count
            }
            // Keep the results observable.
            if verification.duplicateKeys.count + ambiguous == Int.min { print("") }
        }
        let seconds = MonotonicClock.now - started
        print("\(input.count) \(seconds) \(ProcessUsage.current().peakResidentBytes)")
        return .success
    }

    /// A document of about `bytes` bytes (never more than 10 MiB, the input limit) of `shape`.
    static func build(_ shape: String, bytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes + 64)
        func add(_ text: String) { out += text.utf8 }
        switch shape {
        case "many-keys":
            add("{")
            var i = 0
            while out.count < bytes - 16 {
                add(i == 0 ? "\"k\(i)\":0" : ",\"k\(i)\":0")
                i += 1
            }
            add("}")
        case "many-duplicates":
            add("{\"a\":0")
            while out.count < bytes - 8 { add(",\"a\":0") }
            add("}")
        case "deep-long-keys":
            let depth = 500
            let key = String(repeating: "k", count: max(1, (bytes - 64) / depth - 6))
            for _ in 0..<depth { add("{\"\(key)\":") }
            add("{\"x\":1,\"x\":2}")
            for _ in 0..<depth { add("}") }
        case "deep-many-duplicates":
            // The memory bomb of one full pointer per duplicate: depth × key length × count.
            let depth = min(500, max(1, bytes / 64))
            let key = String(repeating: "k", count: max(1, bytes / 2 / depth - 6))
            for _ in 0..<depth { add("{\"\(key)\":") }
            add("{\"x\":0")
            while out.count < bytes - depth - 8 { add(",\"x\":0") }
            add("}")
            for _ in 0..<depth { add("}") }
        case "many-containers":
            add("[")
            var first = true
            while out.count < bytes - 16 {
                add(first ? "[]" : ",{\"a\":[[]]}")
                first = false
            }
            add("]")
        case "long-escapes":
            add("{\"s\":\"")
            while out.count < bytes - 16 { add("\\u00e9\\n") }
            add("\"}")
        case "ambiguous-keys":
            add("{")
            var i = 0
            while out.count < bytes - 32 {
                add((i == 0 ? "" : ",") + "\"caf\u{E9}\(i)\":0,\"cafe\u{301}\(i)\":1")
                i += 1
            }
            add("}")
        default:
            break
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
