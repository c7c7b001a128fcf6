import Foundation
import JidoCore
import JidoToolSupport
import Testing

/// JidoGuard → JidoCode: sessions written by our `SessionStore` (new, appended, edited, replaced, large maps, unicode,
/// big integers, floats, empty containers, 100 KB messages) must load in JidoCode's real `load/1`, verify, and be byte
/// for byte what JidoCode itself would write, on the OTP family the store was told to order large maps for.
extension InteropChecks {
    static func ourStoreIsJidoCodes(family: InteropOracle.Family) throws {
        try withInteropScratch { scratch in
            let home = scratch + "/home"
            let data = home + "/.jido_code"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            var rng = SplitMix64(seed: 0x1D0_C0DE, stream: UInt64(family.rawValue))
            let secret = Array((0..<32).map { _ in String(format: "%02x", rng.below(256)) }.joined().utf8)
            try interopWrite(data + "/machine_secret", secret)
            chmod(data + "/machine_secret", 0o600)
            let key = try SessionKey.derive(machineSecret: secret, hostname: "devbox")
            var options = StoreOptions()
            options.beamOrder = family == .otp25 ? .otp25 : .otp27
            let store = try SessionStore(dataDirectory: data, key: key, options: options)

            var cases: [(id: SessionID, what: String)] = []
            for build in InteropSessionCases.all {
                let id = InteropSessionCases.sessionID(&rng)
                try build.write(store, id, &rng)
                cases.append((id, build.name))
            }

            let files = cases.map { data + "/sessions/" + StoreLayout.sessionFile($0.id) }
            let oracle = try InteropOracle.verify(home: home, hostname: "devbox", family: family, files: files, scratch: scratch)
            let ours = try InteropAudit.verify(home: home, hostname: "devbox", files: files, scratch: scratch)
            var disagreements = InteropDisagreements(), selfCheck = InteropDisagreements()
            for (file, entry) in zip(files, cases) {
                guard let theirs = oracle[file] else { continue }
                if theirs.verdict != "valid" || theirs.load != "ok" || theirs.jidocodeBytes != "true" {
                    disagreements.add("\(entry.what) (\(StoreLayout.sessionFile(entry.id))): JidoCode verdict \(theirs.verdict), load \(theirs.load), "
                        + "JidoCode's bytes \(theirs.jidocodeBytes)" + (theirs.firstDiff.isEmpty ? "" : "; first diff \(theirs.firstDiff.prefix(400))"))
                }
                if let mine = ours.files[file], mine.verdict != "valid" || mine.canonical != true {
                    selfCheck.add("\(entry.what): jido-audit verify says \(mine.summary), canonical \(mine.canonical.map(String.init) ?? "absent")")
                }
            }
            #expect(disagreements.isEmpty, Comment(rawValue: disagreements.report(
                "\(family): our store's files as JidoCode's verify --otp \(family.flag) sees them (\(cases.count) sessions)")))
            #expect(selfCheck.isEmpty, Comment(rawValue: selfCheck.report("\(family): our own verify of our store's files")))
        }
    }
}

/// The sessions the store writes for the us → JidoCode test, one file each.
enum InteropSessionCases {
    struct Case: Sendable {
        let name: String
        let write: @Sendable (SessionStore, SessionID, inout SplitMix64) throws -> Void
    }

    /// A UUID v4 from the generator (reproducible runs).
    static func sessionID(_ rng: inout SplitMix64) -> SessionID {
        while true {
            var hex = (0..<32).map { _ in String(rng.below(16), radix: 16) }
            hex[12] = "4"
            hex[16] = ["8", "9", "a", "b"][rng.below(4)]
            let text = hex[0..<8].joined() + "-" + hex[8..<12].joined() + "-" + hex[12..<16].joined() + "-" + hex[16..<20].joined()
                + "-" + hex[20..<32].joined()
            if let id = SessionID(text) { return id }
        }
    }

    static func timestamp(_ second: Int, micro: Int = 123_456) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(1_735_689_600 + second))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
                      c.second ?? 0, micro)
    }

    static func int(_ text: String) -> JSONValue {
        let negative = text.hasPrefix("-")
        return .integer(JSONInteger(isNegative: negative, digits: negative ? String(text.dropFirst()) : text) ?? JSONInteger(0))
    }

    /// `timestamp(second, micro:)` as a `Date`.
    static func date(_ second: Int, micro: Int = 123_456) -> Date {
        Date(timeIntervalSince1970: TimeInterval(1_735_689_600 + second) + TimeInterval(micro) / 1_000_000)
    }

    static func message(_ index: Int, role: Session.Message.Role = .user, content: String, extra: [(String, JSONValue)] = []) -> Session.Message {
        let message = Session.Message(id: "msg-\(index)", role: role, content: content, timestamp: date(60 * index))
        guard !extra.isEmpty else { return message }
        var object = message.object
        for (key, value) in extra { object[key] = value }
        return (try? Session.Message(validating: object)) ?? message
    }

    /// A full session document through the schema (`Session(document:)`), with any extra members.
    static func session(_ id: SessionID, name: String = "interop", config: JSONObject = JSONObject(), messages: [Session.Message] = [],
                        todos: [JSONValue] = [], extra: [(String, JSONValue)] = []) throws -> Session {
        var members: [(String, JSONValue)] = [
            ("version", .integer(JSONInteger(1))), ("id", .string(id.rawValue)), ("name", .string(name)),
            ("project_path", .string("/home/dev/projects/app")), ("config", .object(config)), ("language", .string("elixir")),
            ("created_at", .string(timestamp(0))), ("updated_at", .string(timestamp(3_600))), ("closed_at", .string(timestamp(3_660))),
            ("conversation", .array(messages.map { .object($0.object) })), ("todos", .array(todos)),
            ("prompt_history", .array(messages.filter { $0.role == .user }.map { .string(String($0.content.prefix(160))) })),
        ]
        members += extra
        return try Session(document: JSONObject(members))
    }

    static func words(_ rng: inout SplitMix64, bytes: Int, pool: [String] = ordinaryWords) -> String {
        var text = ""
        while text.utf8.count < bytes { text += pool[rng.below(pool.count)] + " " }
        return text
    }

    static let ordinaryWords = ["the", "module", "returns", "list", "session", "pattern", "GenServer", "nil", "map", "config", "token"]

    /// Unicode torture: emoji, ZWJ sequences, flags, skin tones, combining marks, NFC/NFD pairs, scripts, invisible and
    /// odd code points (U+2028, U+FEFF, noncharacters, U+10FFFF), every C0 control, DEL, and JSON's own metacharacters.
    static let tortureWords: [String] = [
        "café", "cafe\u{301}", "é", "e\u{301}", "Å", "A\u{30A}", "\u{212B}", "ñ", "n\u{303}", "日本語", "한국어", "مرحبا", "שָׁלוֹם",
        "🚀", "👩‍💻", "👨‍👩‍👧‍👦", "🇯🇵", "👍🏽", "🏳️‍🌈", "⚠️", "Z\u{324}\u{308}\u{301}\u{350}", "\u{915}\u{94D}\u{937}", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𐍈",
        "\u{A0}", "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{2028}", "\u{2029}", "\u{FFFD}", "\u{FFFF}", "\u{FFFE}", "\u{10FFFF}", "\u{E0001}",
        "\u{7F}", "\u{80}", "\u{9F}", "\"", "\\", "/", "</script>", "\\u0041", "\\\"", "''", "\r\n", "\t",
    ] + (0..<32).map { String(UnicodeScalar(UInt8($0))) }

    /// Floats whose Erlang short form has every layout: -0.0, subnormals, the extremes, around 1e16 and 1e21.
    static let edgeFloats: [Double] = [
        0.0, -0.0, 0.1, 0.2, 0.30000000000000004, 1e21, 1e20, 1e22, 1.0e-7, 1e-6, 1.5e-7,
        Double.leastNonzeroMagnitude, Double(bitPattern: 2), Double.leastNormalMagnitude, Double.leastNormalMagnitude.nextDown,
        1.7976931348623157e308, 1e15, 1e16, 9007199254740992, 9007199254740994, 123456.789, 100.0, 1e100, 6.02214076e23,
        -1e-6, 3.141592653589793, 2.718281828459045, 0.7, 1e23, 9.999999999999999e22, 5e-7, 4.35, 0.001, 1234567890123456789.0,
    ]

    static let bigIntegers = [
        "18446744073709551615", "18446744073709551616", "18446744073709551617", "-9223372036854775809", "9007199254740993",
        "1000000000000000000000000000000", "-515377520732011331036461129765621272702107522001",
        "1606938044258990275541962092341162602522202993782792835301376", String(repeating: "9", count: 300),
    ]

    /// A JidoCode-like config, with `env` holding `keys` members when given (a large map from 33 members on).
    static func config(_ rng: inout SplitMix64, envKeys: Int? = nil) -> JSONObject {
        var config = JSONObject([
            ("provider", .string("anthropic")), ("model", .string("claude-3-5-sonnet-20241022")), ("temperature", .float(0.7)),
            ("max_tokens", .integer(JSONInteger(4096))), ("stream", .bool(true)),
        ])
        if let envKeys { config["env"] = .object(largeMap(&rng, keys: envKeys)) }
        return config
    }

    static func largeMap(_ rng: inout SplitMix64, keys: Int, nested: Bool = false) -> JSONObject {
        let prefixes = ["PATH", "HOME", "MIX_ENV", "LANG", "ÉTAT", "日本", "k", "e\u{301}", "é", ""]
        var members: [(String, JSONValue)] = []
        for i in 1...keys {
            let key = prefixes[rng.below(prefixes.count)] + "_\(i)"
            let value: JSONValue
            switch rng.below(7) {
            case 0: value = .string("value")
            case 1: value = .string("")
            case 2: value = .integer(JSONInteger(i))
            case 3: value = .float(rng.uniform(-1e6, 1e6))
            case 4: value = .null
            case 5: value = .array([.integer(JSONInteger(i))])
            default: value = .string("é\u{2028}\u{1}")
            }
            members.append((key, value))
        }
        if nested { members.append(("nested_large", .object(largeMap(&rng, keys: 35)))) }
        return JSONObject(members)
    }

    static let all: [Case] = [
        Case(name: "new session") { store, id, rng in
            let messages = (0..<3).map { message($0, role: $0 % 2 == 0 ? .user : .assistant, content: words(&rng, bytes: 200)) }
            try store.save(session(id, config: config(&rng), messages: messages))
        },
        Case(name: "appended messages (5 updates)") { store, id, rng in
            try store.save(session(id, config: config(&rng), messages: [message(0, content: words(&rng, bytes: 300))]))
            for i in 1...5 {
                let text = words(&rng, bytes: 100 + 80 * i)
                try store.update(id) { state in
                    state?.append(message(i, role: i % 2 == 0 ? .user : .assistant, content: text,
                                          extra: [("usage", .object(JSONObject([("input_tokens", .integer(JSONInteger(1_000 + i))),
                                                                                ("output_tokens", .integer(JSONInteger(i))),
                                                                                ("total_cost", .float(0.1 * Double(i)))])))]))
                    state?.markUpdated(at: date(60 * i))
                }
            }
        },
        Case(name: "edited message") { store, id, rng in
            let messages = (0..<6).map { message($0, role: $0 % 2 == 0 ? .user : .assistant, content: words(&rng, bytes: 400)) }
            try store.save(session(id, config: config(&rng), messages: messages))
            try store.update(id) { state in
                guard var document = state?.document else { return }
                document.modifyValue(forKey: "conversation") { conversation in
                    guard case var .array(items) = conversation, items.count > 2, case var .object(edited) = items[2] else { return }
                    edited["content"] = .string("edited: shorter, with é and 🚀 and \u{2028}")
                    items[2] = .object(edited)
                    conversation = .array(items)
                }
                state = try Session(document: document)
            }
            try store.update(id) { state in state?.append(message(7, content: "after the edit")) }
        },
        Case(name: "replaced session") { store, id, rng in
            try store.save(session(id, name: "first", config: config(&rng), messages: [message(0, content: words(&rng, bytes: 2_000))]))
            let replacement = try session(id, name: "replacement 日本語", config: config(&rng),
                                          messages: (0..<4).map { message($0, content: words(&rng, bytes: 150)) },
                                          todos: [.object(JSONObject([("content", .string("Fix it")), ("status", .string("pending")),
                                                                      ("active_form", .string("Fixing it"))]))])
            try store.save(replacement)
        },
        Case(name: "config env with 33 keys") { store, id, rng in _ = try store.save(session(id, config: config(&rng, envKeys: 33))) },
        Case(name: "config env with 40 keys") { store, id, rng in _ = try store.save(session(id, config: config(&rng, envKeys: 40))) },
        Case(name: "config env with 47 keys") { store, id, rng in _ = try store.save(session(id, config: config(&rng, envKeys: 47))) },
        Case(name: "config env with 60 keys") { store, id, rng in _ = try store.save(session(id, config: config(&rng, envKeys: 60))) },
        Case(name: "config env with 32 keys (the last small map)") { store, id, rng in
            try store.save(session(id, config: config(&rng, envKeys: 32)))
        },
        Case(name: "large maps nested in large maps, arrays and message members") { store, id, rng in
            var configuration = config(&rng)
            configuration["env"] = .object(largeMap(&rng, keys: 45, nested: true))
            configuration["servers"] = .array([.object(largeMap(&rng, keys: 38)), .object(JSONObject()), .object(largeMap(&rng, keys: 33))])
            let messages = [message(0, content: "x"),
                            message(1, role: .tool, content: "result", extra: [("metadata", .object(largeMap(&rng, keys: 50)))])]
            try store.save(session(id, config: configuration, messages: messages))
            try store.update(id) { state in state?.append(message(2, content: "appended after a large map")) }
        },
        Case(name: "top level of 31 members + signature (32)") { store, id, _ in
            try store.save(session(id, extra: topLevelExtras(31 - 12)))
        },
        Case(name: "top level of 32 members + signature (33: a large map only once signed)") { store, id, _ in
            try store.save(session(id, extra: topLevelExtras(32 - 12)))
        },
        Case(name: "top level of 33 members + signature") { store, id, _ in
            try store.save(session(id, extra: topLevelExtras(33 - 12)))
        },
        Case(name: "top level of 40 members + signature, then an append") { store, id, _ in
            try store.save(session(id, messages: [message(0, content: "first")], extra: topLevelExtras(40 - 12)))
            try store.update(id) { state in state?.append(message(1, content: "second")) }
        },
        Case(name: "unicode torture") { store, id, rng in
            let messages = (0..<8).map { message($0, content: words(&rng, bytes: 600, pool: tortureWords + ordinaryWords)) }
            var configuration = config(&rng)
            // Keys in objects of at most 30 members (small maps: sorted), so that this case is about the strings alone.
            let labels = Array(tortureWords.enumerated())
            for start in stride(from: 0, to: labels.count, by: 30) {
                configuration["labels_\(start / 30)"] = .object(JSONObject(labels[start..<min(start + 30, labels.count)]
                    .map { ($0.element, .integer(JSONInteger($0.offset))) }))
            }
            configuration["every_torture_word"] = .array(tortureWords.map { .string($0) })
            try store.save(session(id, name: "naïve 👩‍💻 \u{2028} e\u{301}", config: configuration, messages: messages,
                                       todos: [.object(JSONObject([("content", .string("Fix \u{0}\u{1F}")), ("status", .string("in_progress")),
                                                                   ("active_form", .string("Fixing é\u{FEFF}"))]))]))
        },
        Case(name: "unicode keys in a large map (NFC and NFD spellings side by side)") { store, id, _ in
            var configuration = JSONObject()
            configuration["env"] = .object(JSONObject(tortureWords.enumerated().map { ("\($1)#\($0 % 3)", .string($1)) }))
            try store.save(session(id, config: configuration))
        },
        Case(name: "big integers (beyond 2^64)") { store, id, _ in
            var configuration = JSONObject()
            configuration["limits"] = .array(bigIntegers.map(int))
            configuration["max_tokens"] = int("18446744073709551617")
            let messages = [message(0, role: .assistant, content: "usage", extra: [("usage", .object(JSONObject([
                ("input_tokens", int("18446744073709551616")), ("output_tokens", int("0")), ("total_cost", .float(2.5e-5)),
            ])))])]
            try store.save(session(id, config: configuration, messages: messages,
                                       extra: [("cumulative_usage", .object(JSONObject([("input_tokens", int(bigIntegers[7])),
                                                                                        ("output_tokens", int("-1")),
                                                                                        ("total_cost", .float(1e21))])))]))
        },
        Case(name: "floats (edges, powers of ten and their neighbours, 300 random doubles)") { store, id, rng in
            var configuration = JSONObject()
            configuration["edges"] = .array(edgeFloats.map { .float($0) })
            var powers: [JSONValue] = []
            for exponent in -30...30 {
                let value = pow(10.0, Double(exponent))
                powers += [.float(value), .float(value.nextUp), .float(value.nextDown), .float(-value)]
            }
            configuration["powers"] = .array(powers)
            var random: [JSONValue] = []
            while random.count < 300 {
                let value = Double(bitPattern: rng.next())
                if value.isFinite { random.append(.float(value)) }
            }
            configuration["random"] = .array(random)
            configuration["temperature"] = .float(-0.0)
            try store.save(session(id, config: configuration))
        },
        Case(name: "empty containers and strings") { store, id, _ in
            let configuration = JSONObject([("a", .object(JSONObject())), ("b", .array([])), ("c", .string("")), ("d", .array([.array([])])),
                                            ("e", .array([.object(JSONObject())])), ("", .object(JSONObject([("", .string(""))])))])
            try store.save(session(id, name: "", config: configuration, messages: [message(0, content: "")]))
        },
        Case(name: "empty session (Session.new)") { store, id, _ in
            try store.save(Session(id: id, name: "new", projectPath: "/p", createdAt: date(0)))
        },
        Case(name: "100 KB messages (plain, escape-heavy, control characters)") { store, id, rng in
            let plain = words(&rng, bytes: 100_000)
            let escapes = words(&rng, bytes: 100_000, pool: ["\"", "\\", "\n", "\t", "/", "é", "🚀", "a"])
            let controls = String((0..<100_000).map { Character(UnicodeScalar(UInt8($0 % 32 == 0 ? 65 : $0 % 32))) })
            let messages = [message(0, content: plain), message(1, role: .assistant, content: escapes), message(2, content: controls)]
            try store.save(session(id, config: JSONObject(), messages: messages))
            try store.update(id) { state in state?.append(message(3, content: "and one more")) }
        },
        Case(name: "tool calls, metadata and usage on messages") { store, id, rng in
            let call = JSONValue.object(JSONObject([
                ("id", .string("toolu_01")), ("type", .string("function")), ("name", .string("read_file")),
                ("arguments", .object(JSONObject([("path", .string("/home/dev/café/x\"y")), ("lines", .array([.integer(JSONInteger(1))])),
                                                  ("flags", .array([.bool(true), .bool(false), .null])), ("ratio", .float(0.5)),
                                                  ("empty_object", .object(JSONObject())), ("empty_array", .array([]))]))),
            ]))
            let messages = [
                message(0, content: words(&rng, bytes: 100)),
                message(1, role: .assistant, content: "calling", extra: [("tool_calls", .array([call, call]))]),
                message(2, role: .tool, content: "ok", extra: [("tool_call_id", .string("toolu_01")),
                                                              ("metadata", .object(JSONObject([("exit_status", .integer(JSONInteger(0))),
                                                                                               ("duration_s", .float(1e-3))])))]),
                message(3, role: .system, content: "system prompt"),
            ]
            try store.save(session(id, config: config(&rng), messages: messages))
        },
    ]

    /// `count` extra top-level members, some sorting before "signature", some after.
    static func topLevelExtras(_ count: Int) -> [(String, JSONValue)] {
        (0..<count).map { i in (i % 2 == 0 ? "a_extra_\(i)" : "z_extra_\(i)", .integer(JSONInteger(i))) }
    }
}
