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
        ],
        positionalName: "FILE...", minimumPositionals: 1, maximumPositionals: .max,
        discussion: """
        Verdicts: valid, invalid (signature does not match), unsigned (no signature member),
        null-signature ("signature": null: JidoCode loads such a file without verifying anything),
        malformed (signature is not base64 of 32 bytes, or not a string: JidoCode's load crashes),
        undecodable (not a readable JSON object). Duplicated keys are listed as JSON Pointers whatever
        the verdict. Objects of more than 32 members are ordered by the Erlang/OTP release JidoCode
        runs on; a file is valid when it verifies under an accepted family (--otp), and the family is
        reported. The hostname used is reported; when most files fail under it and another name
        JidoCode could have used on this machine makes them verify, that name is suggested.
        Exit status: 0 when every file is valid without duplicated keys, 1 otherwise, 2 usage error,
        3 when no key could be derived.
        """)

    let keyOptions: KeyOptions
    let json: Bool
    let orders: [BeamOrder]
    let files: [String]

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        json = try ArgumentParser.choice(arguments, "--format", ["text", "json"], default: "text") == "json"
        orders = try BeamOrderOption.parse(arguments, allowAny: true)
        files = arguments.positionals
    }

    /// What one run found: per file, and the hostname it used (with a suggestion when most fail).
    struct Outcome {
        var results: [(String, SignatureVerification)]
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
        let results = files.map { path -> (String, SignatureVerification) in
            do throws(FileReadError) {
                let (bytes, _) = try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: limits.maxInputBytes))
                let result = SessionSignature.verify(fileBytes: bytes, key: signing.key, limits: limits, orders: orders)
                bytes.withUnsafeBytes { probe.record(result.verdict, bytes: $0) }
                return (path, result)
            } catch {
                return (path, SignatureVerification(verdict: .undecodable, detail: "cannot read: \(error)"))
            }
        }
        let suggestion = probe.matchingHostname(candidates: HostnameProbe.machineCandidates(), used: signing.hostname,
                                                key: signing.derive)
        let outcome = Outcome(results: results, hostname: signing.hostname, suggestion: suggestion, probe: probe)
        io.out(json ? Self.renderJSON(outcome) : Self.renderText(outcome))
        let clean = results.allSatisfy { $0.1.verdict == .valid && $0.1.duplicateKeys.isEmpty }
        return clean ? .success : .findings
    }

    /// `none` without large objects, else the family, or `unknown`.
    static func beamOrderName(_ result: SignatureVerification) -> String {
        guard result.hasLargeObjects else { return "none" }
        return result.beamOrder?.rawValue ?? "unknown"
    }

    static func renderText(_ outcome: Outcome) -> String {
        let results = outcome.results
        let width = SignatureVerdict.allCases.map(\.rawValue.count).max() ?? 0
        var lines: [String] = []
        for (path, result) in results {
            var line = result.verdict.rawValue.padding(to: width + 1) + path
            if let order = result.beamOrder { line += " [\(order.rawValue) order]" }
            if let detail = result.detail { line += ": " + detail }
            lines.append(line)
            for pointer in result.duplicateKeys { lines.append(String(repeating: " ", count: width + 3) + "duplicate key \(pointer)") }
        }
        var counts: [String] = []
        for verdict in SignatureVerdict.allCases {
            let n = results.filter { $0.1.verdict == verdict }.count
            if n > 0 { counts.append("\(n) \(verdict.rawValue)") }
        }
        let duplicated = results.filter { !$0.1.duplicateKeys.isEmpty }.count
        var summary = "\(results.count) file\(results.count == 1 ? "" : "s"): " + counts.joined(separator: ", ")
        if duplicated > 0 { summary += "; \(duplicated) with duplicated keys" }
        summary += " (hostname \(outcome.hostname.debugDescription))"
        lines.append(summary)
        if let working = outcome.suggestion { lines.append("hint: " + outcome.probe.advice(used: outcome.hostname, working: working)) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{hostname, hostname_suggestion, files: [{file, verdict, duplicate_keys, canonical, beam_order, detail}]}`.
    static func renderJSON(_ outcome: Outcome) -> String {
        let files = JSONValue.array(outcome.results.map { path, result in
            .object(JSONObject([
                ("file", .string(path)),
                ("verdict", .string(result.verdict.rawValue)),
                ("duplicate_keys", .array(result.duplicateKeys.map { .string($0) })),
                ("canonical", .bool(result.isCanonical)),
                ("beam_order", .string(beamOrderName(result))),
                ("detail", result.detail.map { .string($0) } ?? .null),
            ]))
        })
        return JSONText.render(.object(JSONObject([
            ("hostname", .string(outcome.hostname)),
            ("hostname_suggestion", outcome.suggestion.map { .string($0) } ?? .null),
            ("files", files),
        ])))
    }
}
