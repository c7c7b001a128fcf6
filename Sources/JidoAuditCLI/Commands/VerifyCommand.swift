import JidoCommandLine
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-audit verify FILE...`: one signature verdict per file.
struct VerifyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "verify",
        summary: "Verify the signature of each session file.",
        options: KeyOptions.specs + [
            .value("--otp", "25|27|any", "Erlang/OTP family whose JidoCode signed the files (default: any)."),
            .value("--format", "text|json", "Output format (default: text)."),
            JobsOption.spec("Files verified"),
        ],
        positionalName: "FILE...", minimumPositionals: 1, maximumPositionals: .max,
        discussion: """
        Verdicts: valid, invalid (signature does not match), unsigned (no signature member),
        null-signature ("signature": null: JidoCode loads such a file without verifying anything),
        malformed (signature is not base64 of 32 bytes, or not a string: JidoCode's load crashes),
        undecodable (not a readable JSON object). Duplicated keys, and keys that are distinct for
        JidoCode but one key for parsers comparing by Unicode equivalence (ambiguous keys), are listed
        as JSON Pointers whatever the verdict (the first 32 of each, with the count): another reader
        may see other content. Names, keys and details are printed escaped (see README, "Output"). Objects of more than 32 members are ordered by the Erlang/OTP release JidoCode
        runs on; a file is valid when it verifies under an accepted family (--otp), and the family is
        reported. The hostname used is reported; when most files fail under it and another name
        JidoCode could have used on this machine makes them verify, that name is suggested.
        A FILE larger than JidoCode's 10 MiB limit is undecodable (JidoCode refuses it too); a FILE that
        cannot be read (missing, not a regular file, a symbolic link) gets no verdict: the reason goes to
        stderr and the other files are still verified.
        Exit status: 0 when every file is valid without duplicated or ambiguous keys, 1 otherwise,
        2 usage error, 3 when a FILE could not be read, no key could be derived or the output could
        not be written.
        """)

    let keyOptions: KeyOptions
    let json: Bool
    let orders: [BeamOrder]
    let files: [PathBytes]
    let jobs: Int

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        json = try ArgumentParser.choice(arguments, "--format", ["text", "json"], default: "text") == "json"
        orders = try BeamOrderOption.parse(arguments, allowAny: true)
        files = arguments.positionals
        jobs = try JobsOption.parse(arguments)
    }

    /// One file's answer: its verification and the keys other parsers would merge.
    struct FileResult {
        var path: PathBytes
        var verification: SignatureVerification
        var ambiguous = ReportedKeys()

        /// Valid, and read the same by every parser.
        var isClean: Bool { verification.verdict == .valid && verification.duplicateKeyCount == 0 && ambiguous.isEmpty }
    }

    /// A FILE that could not be read: no verdict, an error.
    struct Unreadable {
        var path: PathBytes
        var problem: FileReadProblem
    }

    /// What one run found: per file, and the hostname it used (with a suggestion when most fail).
    struct Outcome {
        var results: [FileResult]
        var unreadable: [Unreadable] = []
        var hostname: String
        var suggestion: String?
        var probe: HostnameProbe
    }

    func run(_ io: CommandIO) -> ExitCode {
        let signing: KeyOptions.SigningKey
        switch keyOptions.sessionKey() {
        case let .success(derived): signing = derived
        case let .failure(error):
            io.err("jido-audit verify: \(error.message)\n")
            return .cannotRun
        }
        let limits = JSONLimits.default
        var probe = HostnameProbe()
        var results: [FileResult] = []
        var unreadable: [Unreadable] = []
        // A fixed pool of `jobs` threads verifies the files; the answers come back in the order of the
        // arguments (the probe samples the first failing ones of that order), as soon as every earlier
        // file's has: a file's bytes are freed once verified, so at most a few files are in memory.
        let key = signing.key, orders = orders, files = files
        ParallelMap.forEachInOrder(files.count, jobs: jobs, onEachThread: SyscallFaults.carriedToThreads(), perThread: { ReadBuffer(capacity: 1 << 17) }, { buffer, index in
            Self.check(files[index], key: key, limits: limits, orders: orders, buffer: buffer)
        }, deliver: { _, answer in
            switch answer {
            case let .verified(result, bytes):
                bytes.withUnsafeBytes { probe.record(result.verification.verdict, bytes: $0) }
                results.append(result)
            case let .unreadable(path, problem):
                io.err("jido-audit verify: cannot read \(DisplayText.escape(bytes: path.bytes)): \(DisplayText.escape(problem.description))\n")
                unreadable.append(Unreadable(path: path, problem: problem))
            }
        })
        let suggestion = probe.matchingHostname(candidates: HostnameProbe.machineCandidates(), used: signing.hostname,
                                                key: signing.derive)
        let outcome = Outcome(results: results, unreadable: unreadable, hostname: signing.hostname, suggestion: suggestion, probe: probe)
        io.out(json ? Self.renderJSON(outcome) : Self.renderText(outcome))
        if !unreadable.isEmpty { return .cannotRun }
        return results.allSatisfy(\.isClean) ? .success : .findings
    }

    /// One file's answer, computed on any thread.
    enum Answer: Sendable {
        /// A verdict, with the bytes when the hostname probe may sample them (an invalid file).
        case verified(FileResult, bytes: [UInt8])
        case unreadable(PathBytes, FileReadProblem)
    }

    /// Reads one file into `buffer` (the thread's own, reused) and verifies it: one reading, a file
    /// JidoCode wrote with ASCII keys only (none can be ambiguous) neither scanned nor decoded; any other
    /// file decoded once, for both answers.
    static func check(_ path: PathBytes, key: SessionKey, limits: JSONLimits, orders: [BeamOrder], buffer: ReadBuffer) -> Answer {
        do throws(FileReadError) {
            _ = try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: limits.maxInputBytes), into: buffer)
            return buffer.withBytes { bytes in
                let (verification, ambiguous) = SessionFile.verifyWithAmbiguity(bytes: bytes, key: key, limits: limits, orders: orders)
                return .verified(FileResult(path: path, verification: verification, ambiguous: ambiguous),
                                 bytes: verification.verdict == .invalid ? Array(bytes) : [])
            }
        } catch {
            let problem = FileReadProblem(error)
            if problem.tooLarge {  // JidoCode refuses it too: undecodable, a verdict
                return .verified(FileResult(path: path, verification: SignatureVerification(verdict: .undecodable, detail: problem.description)),
                                 bytes: [])
            }
            return .unreadable(path, problem)
        }
    }

    /// `none` without large objects, else the family, or `unknown`.
    static func beamOrderName(_ result: SignatureVerification) -> String {
        guard result.hasLargeObjects else { return "none" }
        return result.beamOrder?.rawValue ?? "unknown"
    }

    static func renderText(_ outcome: Outcome) -> String {
        let results = outcome.results
        let width = SignatureVerdict.allCases.map(\.rawValue.count).max() ?? 0
        let indent = String(repeating: " ", count: width + 3)
        var lines: [String] = []
        for file in results {
            let result = file.verification
            var line = result.verdict.rawValue.padding(to: width + 1) + DisplayText.escape(bytes: file.path.bytes)
            if let order = result.beamOrder { line += " [\(order.rawValue) order]" }
            if let detail = result.detail { line += ": " + DisplayText.escape(detail) }
            lines.append(line)
            for pointer in result.duplicateKeys { lines.append(indent + "duplicate key " + DisplayText.escape(pointer)) }
            let moreDuplicates = result.duplicateKeyCount - result.duplicateKeys.count
            if moreDuplicates > 0 { lines.append(indent + "and \(moreDuplicates) more duplicate keys") }
            for pointer in file.ambiguous.pointers { lines.append(indent + "ambiguous key " + DisplayText.escape(pointer)) }
            if file.ambiguous.unlisted > 0 { lines.append(indent + "and \(file.ambiguous.unlisted) more ambiguous keys") }
        }
        var counts: [String] = []
        for verdict in SignatureVerdict.allCases {
            let n = results.filter { $0.verification.verdict == verdict }.count
            if n > 0 { counts.append("\(n) \(verdict.rawValue)") }
        }
        let duplicated = results.filter { $0.verification.duplicateKeyCount > 0 }.count
        let ambiguous = results.filter { !$0.ambiguous.isEmpty }.count
        var summary = "\(results.count) file\(results.count == 1 ? "" : "s")" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
        if duplicated > 0 { summary += "; \(duplicated) with duplicated keys" }
        if ambiguous > 0 { summary += "; \(ambiguous) with ambiguous keys" }
        if !outcome.unreadable.isEmpty { summary += "; \(outcome.unreadable.count) could not be read" }
        summary += " (hostname \(DisplayText.escape(outcome.hostname).debugDescription))"
        lines.append(summary)
        if let working = outcome.suggestion {
            lines.append("hint: " + DisplayText.escape(outcome.probe.advice(used: outcome.hostname, working: working)))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{hostname, hostname_suggestion, files: [{file, file_base64, verdict, duplicate_keys,
    /// duplicate_key_count, ambiguous_keys, ambiguous_key_count, canonical, beam_order, detail}],
    /// unreadable: [{file, file_base64, error}]}`; names and keys escaped as in the text output;
    /// `file_base64` is the file's path byte for byte (base64).
    static func renderJSON(_ outcome: Outcome) -> String {
        let files = JSONValue.array(outcome.results.map { file in
            let result = file.verification
            return .object(JSONObject([
                ("file", .string(DisplayText.escape(bytes: file.path.bytes))),
                ("file_base64", .string(Base64.encode(file.path.bytes))),
                ("verdict", .string(result.verdict.rawValue)),
                ("duplicate_keys", .array(result.duplicateKeys.map { .string(DisplayText.escape($0)) })),
                ("duplicate_key_count", .integer(JSONInteger(result.duplicateKeyCount))),
                ("ambiguous_keys", .array(file.ambiguous.pointers.map { .string(DisplayText.escape($0)) })),
                ("ambiguous_key_count", .integer(JSONInteger(file.ambiguous.count))),
                ("canonical", .bool(result.isCanonical)),
                ("beam_order", .string(beamOrderName(result))),
                ("detail", result.detail.map { .string(DisplayText.escape($0)) } ?? .null),
            ]))
        })
        return JSONText.render(.object(JSONObject([
            ("hostname", .string(DisplayText.escape(outcome.hostname))),
            ("hostname_suggestion", outcome.suggestion.map { .string(DisplayText.escape($0)) } ?? .null),
            ("files", files),
            ("unreadable", .array(outcome.unreadable.map { file in
                .object(JSONObject([("file", .string(DisplayText.escape(bytes: file.path.bytes))),
                                    ("file_base64", .string(Base64.encode(file.path.bytes))),
                                    ("error", .string(DisplayText.escape(file.problem.description)))]))
            })),
        ])))
    }
}
