import JidoCore

/// `jido-audit verify FILE...`: one signature verdict per file.
struct VerifyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "verify",
        summary: "Verify the signature of each session file.",
        options: KeyOptions.specs + [.value("--format", "text|json", "Output format (default: text).")],
        positionalName: "FILE...", minimumPositionals: 1, maximumPositionals: .max,
        discussion: """
        Verdicts: valid, invalid (signature does not match), unsigned (no signature member),
        malformed (signature is not base64 of 32 bytes), undecodable (not a readable JSON object).
        Duplicated keys are listed as JSON Pointers whatever the verdict.
        Exit status: 0 when every file is valid without duplicated keys, 1 otherwise, 2 usage error,
        3 when no key could be derived.
        """)

    let keyOptions: KeyOptions
    let json: Bool
    let files: [String]

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        json = try ArgumentParser.choice(arguments, "--format", ["text", "json"], default: "text") == "json"
        files = arguments.positionals
    }

    func run(_ io: CommandIO) -> ExitCode {
        let key: SessionKey
        switch keyOptions.sessionKey() {
        case let .success(derived): key = derived
        case let .failure(error):
            io.err("jido-audit verify: \(error.message)\n")
            return .cannotRun
        }
        let limits = JSONLimits.default
        let results = files.map { path -> (String, SignatureVerification) in
            do throws(FileReadError) {
                let (bytes, _) = try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: limits.maxInputBytes))
                return (path, SessionSignature.verify(fileBytes: bytes, key: key, limits: limits))
            } catch {
                return (path, SignatureVerification(verdict: .undecodable, detail: "cannot read: \(error)"))
            }
        }
        io.out(json ? Self.renderJSON(results) : Self.renderText(results))
        let clean = results.allSatisfy { $0.1.verdict == .valid && $0.1.duplicateKeys.isEmpty }
        return clean ? .success : .findings
    }

    static func renderText(_ results: [(String, SignatureVerification)]) -> String {
        let width = SignatureVerdict.allCases.map(\.rawValue.count).max() ?? 0
        var lines: [String] = []
        for (path, result) in results {
            var line = result.verdict.rawValue.padding(to: width + 1) + path
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
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A JSON array of `{file, verdict, duplicate_keys, canonical, detail}` objects.
    static func renderJSON(_ results: [(String, SignatureVerification)]) -> String {
        let array = JSONValue.array(results.map { path, result in
            .object(JSONObject([
                ("file", .string(path)),
                ("verdict", .string(result.verdict.rawValue)),
                ("duplicate_keys", .array(result.duplicateKeys.map { .string($0) })),
                ("canonical", .bool(result.isCanonical)),
                ("detail", result.detail.map { .string($0) } ?? .null),
            ]))
        })
        return JSONText.render(array)
    }
}
