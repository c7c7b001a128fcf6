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

        All files are read into memory first. Two corpora: the store's files, and a slow-path corpus
        derived from them (a third each: one letter changed, indentation removed, a top-level key
        duplicated), files the fast path cannot decide. Each round times, one after the other:
          scanning   SessionSignature.verifyScanning (verify without its MAC-first path: the previous figure)
          verify     SessionSignature.verify on every file
          hmac       bare HMACSHA256.authenticationCode over every whole file (the baseline)
          slow path  StrictJSONDecoder.decode + CanonicalJSON.encode(omitting "signature") + HMAC (store only)
        MB/s use MB = 10^6 bytes; the ratio is the median over rounds of (verify MB/s) / (hmac MB/s) of
        the same round. Exits 1 unless every file of the store verifies valid.

        A store written by JidoCode's real writer (rich content, large objects; ~15 MB, not committed):
          ../shared/oracle/jidocode write-store --home DIR --hostname bench-host --sessions 220 --seed 7
          jido-bench verify --dir DIR
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
        let loaded: StoreFiles.LoadedStore
        do { loaded = try StoreFiles.loadStore(home: options.dir) } catch { throw Failure(description: "cannot read \(error)") }
        let (secret, names, files) = (loaded.secret, loaded.names, loaded.files)
        let key = try SessionKey.derive(machineSecret: secret, hostname: options.hostname)

        // Untimed check of every file of the store (fast path and slow path separately).
        var slowValid = 0
        var firstFailure: String?
        for (name, bytes) in zip(names, files) {
            let result = SessionSignature.verify(fileBytes: bytes, key: key)
            if result.verdict != .valid, firstFailure == nil {
                firstFailure = "\(name): \(result.verdict.rawValue)" + (result.detail.map { " (\($0))" } ?? "")
            }
            if try slowPathVerify(bytes, key: key) { slowValid += 1 }
        }
        let store = try measure(files, key: key, rounds: options.rounds, slowPath: true)
        let derived = SlowPathCorpus.derive(from: files)
        let slowCorpus = try measure(derived, key: key, rounds: options.rounds, slowPath: false)

        var figures = Figures()
        figures.add("hostname", options.hostname)
        figures.add("rounds", options.rounds)
        var storeFigures = store.figures
        storeFigures.add("slow_path_valid", slowValid)
        figures.add("store", storeFigures)
        figures.add("slow_path_corpus", slowCorpus.figures)
        if options.json {
            figures.print(json: true)
        } else {
            print("store: \(options.dir) (hostname \(options.hostname), \(options.rounds) rounds; MB = 10^6 bytes)")
            print("slow-path corpus: derived from the store's files, a third each tampered (one letter changed), "
                  + "re-encoded (indentation removed) and with a duplicated top-level key")
            figures.print(json: false)
            print("")
            print("ratio verify/baseline, store: \(format(store.ratio, 3)) [goal >= 0.85: \(store.ratio >= 0.85 ? "met" : "NOT met")]; "
                  + "slow-path corpus: \(format(slowCorpus.ratio, 3)), \(format(slowCorpus.verify.median, 1)) MB/s "
                  + "[goal >= 300 MB/s: \(slowCorpus.verify.median >= 300 ? "met" : "NOT met")]")
        }
        guard store.valid == files.count, slowValid == files.count else {
            writeError("jido-bench verify: not every file verified valid; first: \(firstFailure ?? "slow path disagreed")")
            return .findings
        }
        return .success
    }

    /// One corpus's timings: verify against bare HMAC over the same bytes, interleaved per round.
    struct CorpusResult {
        let files: Int
        let bytes: Int
        let valid: Int
        let canonical: Int
        /// Files `verify` decides on its MAC-first path (the others take the scanning path).
        let macFirst: Int
        let verify: Throughput
        let hmac: Throughput
        let slow: Throughput?
        /// `verifyScanning`: verification without the MAC-first path (what `verify` was before it).
        let scanning: Throughput
        let scanningRatio: Double
        /// Median of the per-round ratios (verify MB/s) / (HMAC MB/s).
        let ratio: Double
        let ratioMin: Double
        let ratioMax: Double

        var figures: Figures {
            var figures = Figures()
            figures.add("files", files)
            figures.add("bytes", bytes)
            figures.add("valid", valid)
            figures.add("canonical", canonical)
            figures.add("mac_first", macFirst)
            figures.add("verify_mb_s", verify.median, decimals: 1)
            figures.add("verify_best_mb_s", verify.best, decimals: 1)
            figures.add("hmac_mb_s", hmac.median, decimals: 1)
            figures.add("hmac_best_mb_s", hmac.best, decimals: 1)
            figures.add("scanning_mb_s", scanning.median, decimals: 1)
            figures.add("scanning_ratio", scanningRatio)
            if let slow {
                figures.add("slow_path_mb_s", slow.median, decimals: 1)
                figures.add("slow_path_best_mb_s", slow.best, decimals: 1)
            }
            figures.add("ratio", ratio)
            figures.add("ratio_min", ratioMin)
            figures.add("ratio_max", ratioMax)
            return figures
        }
    }

    /// Times `SessionSignature.verify` and bare HMAC (and, with `slowPath`, decode + re-encode + HMAC)
    /// over `files`, one after the other in each round, after an untimed warm-up.
    static func measure(_ files: [[UInt8]], key: SessionKey, rounds: Int, slowPath: Bool) throws -> CorpusResult {
        var valid = 0, canonical = 0, macFirst = 0
        for bytes in files {
            let result = SessionSignature.verify(fileBytes: bytes, key: key)
            if result.verdict == .valid { valid += 1 }
            if result.isCanonical { canonical += 1 }
            if bytes.withUnsafeBytes({ SessionSignature.isDecidedMACFirst(fileBytes: $0, key: key) }) { macFirst += 1 }
        }
        _ = try hmacAll(files, key: key)
        var verifyTimes: [Double] = [], hmacTimes: [Double] = [], slowTimes: [Double] = [], scanningTimes: [Double] = []
        var sink = 0
        for _ in 0..<rounds {
            scanningTimes.append(MonotonicTimer.measure {
                for bytes in files {
                    let result = bytes.withUnsafeBytes { SessionSignature.verifyScanning(fileBytes: $0, key: key) }
                    sink &+= result.verdict == .valid ? 1 : 0
                }
            })
            verifyTimes.append(MonotonicTimer.measure {
                for bytes in files {
                    let result = bytes.withUnsafeBytes { SessionSignature.verify(fileBytes: $0, key: key) }
                    sink &+= result.verdict == .valid ? 1 : 0
                }
            })
            var macSink = 0
            hmacTimes.append(try MonotonicTimer.measure { macSink = try hmacAll(files, key: key) })
            sink &+= macSink
            if slowPath {
                slowTimes.append(try MonotonicTimer.measure {
                    for bytes in files { sink &+= try slowPathVerify(bytes, key: key) ? 1 : 0 }
                })
            }
        }
        if sink == Int.min { print("") }  // keeps the timed results observable
        let totalBytes = files.reduce(0) { $0 + $1.count }
        // Each round's verify and HMAC passes ran back to back, so their ratio cancels drift (other
        // load, frequency changes); the reported ratio is the median of the per-round ratios.
        let roundRatios = zip(verifyTimes, hmacTimes).map { verifyTime, hmacTime in hmacTime / max(verifyTime, 1e-9) }.sorted()
        let scanningRatios = zip(scanningTimes, hmacTimes).map { time, hmacTime in hmacTime / max(time, 1e-9) }.sorted()
        return CorpusResult(files: files.count, bytes: totalBytes, valid: valid, canonical: canonical, macFirst: macFirst,
                            verify: Throughput(bytes: totalBytes, seconds: verifyTimes), hmac: Throughput(bytes: totalBytes, seconds: hmacTimes),
                            slow: slowPath ? Throughput(bytes: totalBytes, seconds: slowTimes) : nil,
                            scanning: Throughput(bytes: totalBytes, seconds: scanningTimes), scanningRatio: Throughput.median(scanningRatios),
                            ratio: Throughput.median(roundRatios), ratioMin: roundRatios.first ?? 0, ratioMax: roundRatios.last ?? 0)
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
