import Foundation
import JidoCore
import JidoToolSupport

/// `jido-bench verify`: verification throughput against bare HMAC-SHA256 over the same bytes.
enum VerifyCommand {
    static let usage = """
        usage: jido-bench verify --dir DIR [--hostname H] [--rounds R] [--json]

          --dir DIR        home directory of the store (reads DIR/.jido_code/machine_secret and sessions/*.json)
          --hostname H     hostname the store was signed for (default bench-host)
          --rounds R       timed rounds of each measurement (default 5)
          --json           print one JSON object instead of the table

        All files are read into memory first. Each round times, one after the other:
          verify     SessionSignature.verify on every file
          hmac       bare HMACSHA256.authenticationCode over every whole file (the baseline)
          slow path  StrictJSONDecoder.decode + CanonicalJSON.encode(omitting "signature") + HMAC
        MB/s use MB = 10^6 bytes; the ratio is the median over rounds of (verify MB/s) / (hmac MB/s) of
        the same round. Exits 1 unless every file verifies valid.
        """

    struct Options {
        var dir: String
        var hostname: String
        var rounds: Int
        var json: Bool
    }

    static func run(_ argv: ArraySlice<String>) -> ExitCode {
        let options: Options
        do throws(UsageError) {
            let args = try ToolArguments(argv, values: ["dir", "hostname", "rounds"], flags: ["json"], acceptsHelp: true)
            if args.wantsHelp {
                print(usage)
                return .success
            }
            options = Options(
                dir: try args.required("dir"),
                hostname: args.value("hostname") ?? GenerateCommand.defaultHostname,
                rounds: try args.integer("rounds", default: 5, in: 1...1_000),
                json: args.flag("json"))
        } catch {
            return usageFailure(error.message, usage: usage)
        }
        do {
            return try benchmark(options)
        } catch {
            writeError("jido-bench verify: \(error)")
            return .cannotRun
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func benchmark(_ options: Options) throws -> ExitCode {
        let sessionsDirectory = StoreLayout.sessionsPath(home: options.dir)
        let secret: [UInt8]
        do { secret = try StoreFiles.read(StoreLayout.secretPath(home: options.dir)) } catch {
            throw Failure(description: "cannot read \(error)")
        }
        let names: [String]
        do {
            names = try StoreFiles.names(in: sessionsDirectory).filter { $0.hasSuffix(".json") }
        } catch {
            throw Failure(description: "cannot list \(sessionsDirectory): \(error)")
        }
        guard !names.isEmpty else { throw Failure(description: "no *.json files in \(sessionsDirectory)") }
        var files: [[UInt8]] = []
        files.reserveCapacity(names.count)
        for name in names {
            do { files.append(try StoreFiles.read(sessionsDirectory + "/" + name)) } catch {
                throw Failure(description: "cannot read \(error)")
            }
        }
        let totalBytes = files.reduce(0) { $0 + $1.count }
        let key = try SessionKey.derive(machineSecret: secret, hostname: options.hostname)

        // Untimed warm-up pass that also checks every file (fast path and slow path separately).
        var fastValid = 0, canonical = 0, slowValid = 0
        var firstFailure: String?
        for (name, bytes) in zip(names, files) {
            let result = SessionSignature.verify(fileBytes: bytes, key: key)
            if result.verdict == .valid { fastValid += 1 } else if firstFailure == nil {
                firstFailure = "\(name): \(result.verdict.rawValue)" + (result.detail.map { " (\($0))" } ?? "")
            }
            if result.isCanonical { canonical += 1 }
            if try slowPathVerify(bytes, key: key) { slowValid += 1 }
        }
        _ = try hmacAll(files, key: key)

        var verifyTimes: [Double] = [], hmacTimes: [Double] = [], slowTimes: [Double] = []
        var sink = 0
        for _ in 0..<options.rounds {
            verifyTimes.append(MonotonicTimer.measure {
                for bytes in files {
                    let result = bytes.withUnsafeBytes { SessionSignature.verify(fileBytes: $0, key: key) }
                    sink &+= result.verdict == .valid ? 1 : 0
                }
            })
            var macSink = 0
            hmacTimes.append(try MonotonicTimer.measure { macSink = try hmacAll(files, key: key) })
            sink &+= macSink
            slowTimes.append(try MonotonicTimer.measure {
                for bytes in files { sink &+= try slowPathVerify(bytes, key: key) ? 1 : 0 }
            })
        }

        let verify = Throughput(bytes: totalBytes, seconds: verifyTimes)
        let hmac = Throughput(bytes: totalBytes, seconds: hmacTimes)
        let slow = Throughput(bytes: totalBytes, seconds: slowTimes)
        // Each round's verify and HMAC passes ran back to back, so their ratio cancels drift (other
        // load, frequency changes); the reported ratio is the median of the per-round ratios.
        let roundRatios = zip(verifyTimes, hmacTimes).map { verifyTime, hmacTime in hmacTime / max(verifyTime, 1e-9) }.sorted()
        let ratio = Throughput.median(roundRatios)
        let allValid = fastValid == files.count && slowValid == files.count

        if options.json {
            print("{\"files\": \(files.count), \"bytes\": \(totalBytes), "
                  + "\"verify_mb_s\": \(format(verify.median, 1)), \"hmac_mb_s\": \(format(hmac.median, 1)), "
                  + "\"slow_path_mb_s\": \(format(slow.median, 1)), \"ratio\": \(format(ratio, 3)), "
                  + "\"verify_best_mb_s\": \(format(verify.best, 1)), \"hmac_best_mb_s\": \(format(hmac.best, 1)), "
                  + "\"slow_path_best_mb_s\": \(format(slow.best, 1)), \"rounds\": \(options.rounds), "
                  + "\"ratio_min\": \(format(roundRatios.first ?? 0, 3)), \"ratio_max\": \(format(roundRatios.last ?? 0, 3)), "
                  + "\"valid\": \(fastValid), \"canonical\": \(canonical), \"slow_path_valid\": \(slowValid)}")
        } else {
            print("\(files.count) files, \(totalBytes) bytes (\(format(Double(totalBytes) / 1e6, 1)) MB), "
                  + "\(options.rounds) rounds, hostname \(options.hostname)")
            print("valid: \(fastValid)/\(files.count) (canonical: \(canonical)); slow path valid: \(slowValid)/\(files.count)")
            print("")
            let rows: [(String, Throughput)] = [
                ("SessionSignature.verify", verify),
                ("bare HMAC-SHA256 (baseline)", hmac),
                ("decode + re-encode + HMAC (slow path)", slow),
            ]
            let width = rows.map(\.0.count).max() ?? 0
            print(leftAligned("path", width) + rightAligned("best MB/s", 12) + rightAligned("median MB/s", 14))
            for (label, t) in rows {
                print(leftAligned(label, width) + rightAligned(format(t.best, 1), 12) + rightAligned(format(t.median, 1), 14))
            }
            print("")
            print("ratio verify/baseline (median of per-round ratios): \(format(ratio, 3)), rounds \(format(roundRatios.first ?? 0, 3))"
                  + "..\(format(roundRatios.last ?? 0, 3))  [goal >= 0.5: \(ratio >= 0.5 ? "met" : "NOT met")]")
            print("fast path vs slow path (median): \(format(verify.median / slow.median, 1))x")
        }
        if sink == Int.min { print("") }  // keeps the timed results observable
        guard allValid else {
            writeError("jido-bench verify: not every file verified valid; first: \(firstFailure ?? "slow path disagreed")")
            return .findings
        }
        return .success
    }

    /// Bare HMAC over each whole file; returns the sum of the first tag bytes so the work is used.
    static func hmacAll(_ files: [[UInt8]], key: SessionKey) throws -> Int {
        var sum = 0
        for bytes in files {
            let tag = try bytes.withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }
            sum &+= Int(tag.bytes[0])
        }
        return sum
    }

    /// The decode-and-re-encode path: true when the recomputed signature equals the stored one.
    static func slowPathVerify(_ bytes: [UInt8], key: SessionKey) throws -> Bool {
        let document = try StrictJSONDecoder().decode(bytes)
        let signed = try CanonicalJSON.encode(document.value, omittingTopLevelKey: SessionSignature.memberName)
        let tag = try signed.withUnsafeBytes { try HMACSHA256.authenticationCode(for: $0, key: key) }
        guard let stored = document.value.objectValue?[SessionSignature.memberName]?.stringValue else { return false }
        return MessageAuthenticationCode(base64: stored) == tag
    }

    static func leftAligned(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func rightAligned(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// Best and median throughput of a set of timed rounds over the same bytes.
struct Throughput {
    let best: Double
    let median: Double

    init(bytes: Int, seconds: [Double]) {
        let rates = seconds.map { Double(bytes) / 1e6 / max($0, 1e-9) }.sorted()
        best = rates.last ?? 0
        median = Throughput.median(rates)
    }

    /// The median of sorted values (0 for none).
    static func median(_ sorted: [Double]) -> Double {
        let n = sorted.count
        return n == 0 ? 0 : (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2)
    }
}
