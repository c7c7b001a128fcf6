import Foundation

/// Exit statuses: 0 success, 1 the work failed, 2 the command line was wrong.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
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
