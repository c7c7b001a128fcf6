import Foundation
import JidoToolSupport
import JidoCore

/// Top-level dispatch to the subcommands.
enum BenchCommand {
    static let usage = """
        usage:
          jido-bench generate --dir DIR [--sessions N] [--seed S] [--min-kb KB] [--max-kb KB] [--hostname H] [--json]
          jido-bench verify --dir DIR [--hostname H] [--rounds R] [--json]
          jido-bench parallel --dir DIR [--hostname H] [--rounds R] [--max-jobs N] [--json]
          jido-bench store-list --dir DIR [--sessions N] [--kb KB] [--rounds R] [--json]
          jido-bench store-save --dir DIR [--kb KB] [--iterations N] [--json]
          jido-bench store-audit --dir DIR [--hostname H] [--rounds R] [--json]
          jido-bench adversarial [--max-bytes N] [--shape NAME] [--json] | --write-seeds DIR --bytes N [--shape NAME]
          jido-bench help [generate|verify]

        generate  writes a signed JidoCode store under DIR/.jido_code (machine_secret and sessions/*.json)
        verify    times SessionSignature.verify against bare HMAC-SHA256 over every session of DIR
        parallel  times multi-file verify and the audit on 1...N threads against single-core bare HMAC
        store-list  times listing N sessions against loading each (Core II)
        store-save  times a durable save against a bare write+fsync+rename+fsync(dir) (Core II)
        adversarial grows hostile inputs from 1 KiB to 10 MiB: time and peak memory per size (linear: ~10x per 10x)

        exit status: 0 done, 1 (verify) a session file did not verify, 2 usage, 3 the work could not be done
        """

    static func run(_ argv: [String]) -> ExitCode {
        guard let command = argv.first else { return usageFailure("missing subcommand", usage: usage) }
        let rest = argv.dropFirst()
        switch command {
        case "generate": return GenerateCommand.run(rest)
        case "verify": return VerifyCommand.run(rest)
        case "parallel": return ParallelCommand.run(rest)
        case "store-list", "store-save", "store-audit": return StoreBenchmarks.run(command, rest)
        case "adversarial": return AdversarialBenchmark.run(rest)
        case "adversarial-one": return AdversarialBenchmark.runOne(rest)  // the measured child
        case "help", "-h", "--help":
            switch rest.first {
            case "generate": print(GenerateCommand.usage)
            case "verify": print(VerifyCommand.usage)
            default: print(usage)
            }
            return .success
        default:
            return usageFailure("unknown subcommand '\(command)'", usage: usage)
        }
    }
}

/// Prints `message` and the usage text to standard error; returns `.usage` (2).
func usageFailure(_ message: String, usage: String) -> ExitCode {
    writeError("jido-bench: \(message)\n\n\(usage)")
    return .usage
}

func writeError(_ text: String) {
    StandardStream.error.write(text + "\n")
}
