// jido-bench: generates realistic JidoCode session stores and measures how fast JidoCore verifies them.
// Subcommands live in Generate.swift and Verify.swift; argument parsing in Arguments.swift.
import Glibc

exit(BenchCommand.run(Array(CommandLine.arguments.dropFirst())).rawValue)
