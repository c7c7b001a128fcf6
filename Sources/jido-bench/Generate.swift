import Foundation
import JidoCore
import JidoToolSupport

/// `jido-bench generate`: writes a deterministic, signed JidoCode store.
enum GenerateCommand {
    static let usage = """
        usage: jido-bench generate --dir DIR [--sessions N] [--seed S] [--min-kb KB] [--max-kb KB] [--hostname H] [--json]

          --dir DIR        home directory of the store; DIR/.jido_code must not exist yet
          --sessions N     number of session files (default 300)
          --seed S         unsigned 64-bit seed; the same seed gives the same bytes (default 1)
          --min-kb KB      smallest target session size in KiB (default 10)
          --max-kb KB      largest target session size in KiB (default 1024); sizes are log-uniform
          --hostname H     hostname mixed into the signing key (default bench-host)
          --json           print the summary as one JSON object

        Writes DIR/.jido_code/machine_secret (64 hex chars, 0600) and DIR/.jido_code/sessions/<uuid>.json
        (0600, directories 0700), each signed with the key derived from that secret and hostname.
        """

    static let defaultHostname = "bench-host"

    struct Options {
        var dir: String
        var sessions: Int
        var seed: UInt64
        var minKB: Int
        var maxKB: Int
        var hostname: String
        var json: Bool
    }

    static func run(_ argv: ArraySlice<String>) -> ExitCode {
        let options: Options
        do throws(UsageError) {
            let args = try ToolArguments(argv, values: ["dir", "sessions", "seed", "min-kb", "max-kb", "hostname"], flags: ["json"],
                                         acceptsHelp: true)
            if args.wantsHelp {
                print(usage)
                return .success
            }
            options = Options(
                dir: try args.required("dir"),
                sessions: try args.integer("sessions", default: 300, in: 1...1_000_000),
                seed: try args.unsigned("seed") ?? 1,
                minKB: try args.integer("min-kb", default: 10, in: 1...10_000),
                maxKB: try args.integer("max-kb", default: 1024, in: 1...10_000),
                hostname: args.value("hostname") ?? defaultHostname,
                json: args.flag("json"))
            guard options.minKB <= options.maxKB else { throw UsageError("--min-kb must not exceed --max-kb") }
        } catch {
            return usageFailure(error.message, usage: usage)
        }
        do {
            try generate(options)
            return .success
        } catch {
            writeError("jido-bench generate: \(error)")
            return .cannotRun
        }
    }

    static func generate(_ options: Options) throws {
        let timer = MonotonicTimer()
        let dataDirectory = StoreLayout.dataPath(home: options.dir)
        let sessionsDirectory = StoreLayout.sessionsPath(home: options.dir)
        try StoreFiles.makeDirectory(options.dir, mayExist: true)
        try StoreFiles.makeDirectory(dataDirectory, mayExist: false)
        try StoreFiles.makeDirectory(sessionsDirectory, mayExist: false)

        var rng = SplitMix64(seed: options.seed)
        var secretBytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<4 {
            let word = rng.next()
            for j in 0..<8 { secretBytes[8 * i + j] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(j))) }
        }
        let secret = Hex.lowercaseASCII(secretBytes)
        try StoreFiles.writeNewFile(StoreLayout.secretPath(home: options.dir), secret)
        let key = try SessionKey.derive(machineSecret: secret, hostname: options.hostname)

        var sizes: [Int] = []
        var totalBytes = 0
        var nonASCIIBytes = 0
        for index in 0..<options.sessions {
            // Each session has its own stream, so its content does not depend on the others' sizes.
            var sessionRNG = SplitMix64(seed: options.seed ^ (UInt64(index + 1) &* 0xD1B5_4A32_D192_ED03))
            let target = sessionRNG.logUniform(Double(options.minKB), Double(options.maxKB)) * 1024
            let session = SessionBuilder.makeSession(&sessionRNG, targetBytes: Int(target))
            let bytes = try SessionSignature.signedFileBytes(for: session.object, key: key)
            guard let id = SessionID(session.id) else { throw StoreFiles.Failure(description: "generated an invalid id \(session.id)") }
            try StoreFiles.writeNewFile(sessionsDirectory + "/" + StoreLayout.sessionFile(id), bytes)
            sizes.append(bytes.count)
            totalBytes += bytes.count
            nonASCIIBytes += bytes.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) }
        }
        sizes.sort()
        var figures = Figures()
        figures.add("sessions", options.sessions)
        figures.add("bytes", totalBytes)
        figures.add("directory", sessionsDirectory)
        figures.add("machine_secret", StoreLayout.secretPath(home: options.dir))
        figures.add("hostname", options.hostname)
        figures.add("seed", String(options.seed))
        figures.add("min_file_bytes", sizes.first ?? 0)
        figures.add("median_file_bytes", sizes[sizes.count / 2])
        figures.add("max_file_bytes", sizes.last ?? 0)
        figures.add("non_ascii_percent", 100 * Double(nonASCIIBytes) / Double(max(totalBytes, 1)), decimals: 2)
        figures.add("seconds", timer.elapsedSeconds, decimals: 1)
        figures.print(json: options.json)
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    String(format: "%.\(decimals)f", value)
}

/// One realistic JidoCode session document.
enum SessionBuilder {
    static let models: [(provider: String, model: String)] = [
        ("anthropic", "claude-3-5-sonnet-20241022"), ("anthropic", "claude-3-5-haiku-20241022"),
        ("anthropic", "claude-sonnet-4-20250514"), ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"),
        ("openrouter", "anthropic/claude-3.5-sonnet"),
    ]
    static let projects = [
        "my-project", "phoenix-dashboard", "ledger_api", "jido_code", "infra-scripts", "data-pipeline",
        "mobile-app", "résumé-builder", "日本語-notes", "website",
    ]
    static let users = ["dev", "alice", "bob", "mkaur", "jlopez", "tanaka"]
    static let todoVerbs: [(imperative: String, progressive: String)] = [
        ("Implement", "Implementing"), ("Add", "Adding"), ("Fix", "Fixing"), ("Refactor", "Refactoring"),
        ("Write tests for", "Writing tests for"), ("Update", "Updating"), ("Remove", "Removing"),
        ("Investigate", "Investigating"), ("Document", "Documenting"),
    ]
    static let todoObjects = [
        "session persistence", "the signature check", "config loading", "the retry logic", "the CLI parser",
        "error messages", "the cache layer", "database migrations", "the release script", "telemetry events",
    ]

    /// Rough canonical-encoding overhead of a message besides its content (indentation, keys, id,
    /// timestamp, usage); only used to stop adding messages near the target size.
    static let userOverhead = 150
    static let assistantOverhead = 280

    static func makeSession(_ rng: inout SplitMix64, targetBytes: Int) -> (id: String, object: JSONObject) {
        let id = rng.uuidV4()
        let project = rng.pick(projects)
        let (provider, model) = rng.pick(models)
        let created = Int64(1_735_689_600 + rng.below(330 * 86_400)) * 1_000_000 + Int64(rng.below(1_000_000))
        var clock = created

        var todos: [JSONValue] = []
        for _ in 0..<rng.int(in: 0...6) {
            let verb = rng.pick(todoVerbs), object = rng.pick(todoObjects)
            todos.append(.object(JSONObject([
                ("content", .string(verb.imperative + " " + object)),
                ("status", .string(rng.pick(["pending", "in_progress", "completed", "completed"]))),
                ("active_form", .string(verb.progressive + " " + object)),
            ])))
        }

        var estimate = 1_100 + 160 * todos.count
        var conversation: [JSONValue] = []
        var prompts: [String] = []
        var contextTokens = 1_500
        var totalInput = 0, totalOutput = 0
        var totalCost = 0.0
        var isUser = true
        while estimate < targetBytes || conversation.isEmpty {
            let remaining = max(targetBytes - estimate, 40)
            clock += Int64(rng.int(in: 3...600)) * 1_000_000 + Int64(rng.below(1_000_000))
            var members: [(String, JSONValue)] = [
                ("id", .string(rng.uuidV4())),
                ("role", .string(isUser ? "user" : "assistant")),
                ("timestamp", .string(ISO8601.string(microsecondsSinceEpoch: clock))),
            ]
            let content: String
            if isUser {
                content = Corpus.userMessage(&rng, targetBytes: min(Int(rng.logUniform(60, 1_500)), remaining))
                prompts.append(String(content.prefix { $0 != "\n" }.prefix(160)))
                estimate += userOverhead
            } else {
                content = Corpus.assistantMessage(&rng, targetBytes: min(Int(rng.logUniform(300, 8_000)), remaining))
                let output = content.utf8.count / 4 + rng.below(40)
                let cost = Double(contextTokens) * 3e-6 + Double(output) * 15e-6
                members.append(("usage", .object(JSONObject([
                    ("input_tokens", .integer(JSONInteger(contextTokens))),
                    ("output_tokens", .integer(JSONInteger(output))),
                    ("total_cost", .float(cost)),
                ]))))
                totalInput += contextTokens
                totalOutput += output
                totalCost += cost
                estimate += assistantOverhead
            }
            contextTokens += content.utf8.count / 4
            members.append(("content", .string(content)))
            estimate += escapedLength(content)
            conversation.append(.object(JSONObject(members)))
            isUser.toggle()
        }
        let history = prompts.suffix(100)
        estimate += history.reduce(0) { $0 + escapedLength($1) + 8 }

        let closed = clock + Int64(rng.int(in: 60...7_200)) * 1_000_000
        let object = JSONObject([
            ("version", .integer(JSONInteger(1))),
            ("id", .string(id)),
            ("name", .string(rng.chance(0.7) ? project : Corpus.sentence(&rng))),
            ("project_path", .string("/home/\(rng.pick(users))/projects/\(project)")),
            ("config", .object(JSONObject([
                ("provider", .string(provider)),
                ("model", .string(model)),
                ("temperature", .float(rng.pick([0.0, 0.2, 0.3, 0.5, 0.7, 1.0]))),
                ("max_tokens", .integer(JSONInteger(rng.pick([2_048, 4_096, 8_192])))),
            ]))),
            ("created_at", .string(ISO8601.string(microsecondsSinceEpoch: created))),
            ("updated_at", .string(ISO8601.string(microsecondsSinceEpoch: clock))),
            ("closed_at", .string(ISO8601.string(microsecondsSinceEpoch: closed))),
            ("conversation", .array(conversation)),
            ("todos", .array(todos)),
            ("prompt_history", .array(history.map { .string($0) })),
            ("cumulative_usage", .object(JSONObject([
                ("input_tokens", .integer(JSONInteger(totalInput))),
                ("output_tokens", .integer(JSONInteger(totalOutput))),
                ("total_cost", .float(totalCost)),
            ]))),
            ("language", .string(rng.pick(Corpus.languages))),
        ])
        return (id, object)
    }

    /// UTF-8 length of `text` once escaped in canonical JSON (every escape we generate is 2 bytes).
    static func escapedLength(_ text: String) -> Int {
        text.utf8.reduce(0) { count, b in
            count + (b == 0x22 || b == 0x5C || b == 0x0A || b == 0x09 || b == 0x0D ? 2 : 1)
        }
    }
}
