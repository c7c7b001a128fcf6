import JidoCommandLine
import JidoCore
import JidoToolSupport

/// `--jobs N`: how many threads work at once (the processors online by default). The output is the
/// same whatever the number.
enum JobsOption {
    static func spec(_ what: String) -> OptionSpec {
        .value("--jobs", "N", "\(what) at once, on N threads (default: the processors online); the output is the same for every N.")
    }

    static func parse(_ arguments: ParsedArguments) throws(UsageError) -> Int {
        try ArgumentParser.integer(arguments, "--jobs", default: ParallelMap.availableCores, in: 1...1024)
    }
}
