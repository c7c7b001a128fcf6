import Foundation

/// Exit statuses: 0 success, 1 the work failed, 2 the command line was wrong.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}

/// A command line that cannot be run; reported with the usage text and exit status 2.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Top-level dispatch to the subcommands.
enum BenchCommand {
    static let usage = """
        usage:
          jido-bench generate --dir DIR [--sessions N] [--seed S] [--min-kb KB] [--max-kb KB] [--hostname H]
          jido-bench verify --dir DIR [--hostname H] [--rounds R] [--json]
          jido-bench store-list --dir DIR [--sessions N] [--kb KB] [--rounds R]
          jido-bench store-save --dir DIR [--kb KB] [--iterations N]
          jido-bench store-audit --dir DIR [--hostname H] [--rounds R]
          jido-bench help [generate|verify]

        generate  writes a signed JidoCode store under DIR/.jido_code (machine_secret and sessions/*.json)
        verify    times SessionSignature.verify against bare HMAC-SHA256 over every session of DIR
        store-list  times listing N sessions against loading each (Core II)
        store-save  times a durable save against a bare write+fsync+rename+fsync(dir) (Core II)
        """

    static func run(_ argv: [String]) -> Int32 {
        guard let command = argv.first else { return usageFailure("missing subcommand", usage: usage) }
        let rest = argv.dropFirst()
        switch command {
        case "generate": return GenerateCommand.run(rest)
        case "verify": return VerifyCommand.run(rest)
        case "store-list", "store-save", "store-audit": return StoreBenchmarks.run(command, rest)
        case "help", "-h", "--help":
            switch rest.first {
            case "generate": print(GenerateCommand.usage)
            case "verify": print(VerifyCommand.usage)
            default: print(usage)
            }
            return ExitStatus.success
        default:
            return usageFailure("unknown subcommand '\(command)'", usage: usage)
        }
    }
}

/// Prints `message` and the usage text to standard error; returns exit status 2.
func usageFailure(_ message: String, usage: String) -> Int32 {
    writeError("jido-bench: \(message)\n\n\(usage)")
    return ExitStatus.usage
}

func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A tiny `--name value` / `--name=value` / `--flag` parser. Every option may appear once;
/// positional arguments and unknown options are usage errors.
struct Arguments {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// True when `-h` or `--help` was given.
    private(set) var wantsHelp = false

    init(_ argv: ArraySlice<String>, valueOptions: Set<String>, flagOptions: Set<String> = []) throws(UsageError) {
        var rest = argv[...]
        while let argument = rest.popFirst() {
            if argument == "-h" || argument == "--help" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError("unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flagOptions.contains(name) {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                guard flags.insert(name).inserted else { throw UsageError("--\(name) given twice") }
            } else if valueOptions.contains(name) {
                guard values[name] == nil else { throw UsageError("--\(name) given twice") }
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard let value = rest.popFirst(), !value.hasPrefix("--") else {
                        throw UsageError("--\(name) needs a value")
                    }
                    values[name] = value
                }
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// A non-empty string value, or `defaultValue` when the option is absent.
    func string(_ name: String, default defaultValue: String? = nil) throws(UsageError) -> String? {
        guard let value = values[name] else { return defaultValue }
        guard !value.isEmpty else { throw UsageError("--\(name) must not be empty") }
        return value
    }

    /// A required non-empty string value.
    func requiredString(_ name: String) throws(UsageError) -> String {
        guard let value = try string(name) else { throw UsageError("--\(name) is required") }
        return value
    }

    /// A decimal integer in `range`, or `defaultValue` when the option is absent.
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("--\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// An unsigned 64-bit decimal integer, or `defaultValue` when the option is absent.
    func unsigned(_ name: String, default defaultValue: UInt64) throws(UsageError) -> UInt64 {
        guard let text = values[name] else { return defaultValue }
        guard let value = UInt64(text) else {
            throw UsageError("--\(name) must be an unsigned 64-bit integer, not '\(text)'")
        }
        return value
    }
}
