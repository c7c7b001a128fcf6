import Foundation
import JidoCommandLine
import JidoTestSupport
import Testing
@testable import JidoSessionCLI

/// The root command: help, completions and man page from the same declarations as jido-audit's.
@Suite struct JidoSessionCommandTests {
    @Test func helpListsEverySubcommand() {
        let run = session(["--help"])
        #expect(run.status == 0)
        for name in ["list", "show", "export", "import", "completions", "man"] { #expect(run.stdout.contains("  \(name) ")) }
        #expect(session(["frobnicate"]).status == 2)
        #expect(session(["show", "--help"]).stdout.contains("Usage: jido-session show [--offset N] [--limit N] [--otp 25|27|any] [--home DIR]"))
    }

    @Test func completionsAndManPageCarryEveryOption() {
        let bash = session(["completions", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("complete -F _jido_session jido-session"))
        let man = session(["man"])
        #expect(man.status == 0)
        for spec in JidoSessionCommand.commands.map({ $0.spec }) {
            #expect(man.stdout.contains(".SS \"jido\\-session \(ManPage.escape(spec.name))\""))
            for option in spec.options { #expect(bash.stdout.contains(option.name), "\(spec.name) \(option.name)") }
        }
    }

    /// bash's completion, run for real: every subcommand, and each one's options.
    @Test func bashCompletesEverySubcommandAndEveryOption() throws {
        let specs = JidoSessionCommand.commands.map { $0.spec }
        try withTemporaryDirectory { root in
            try Data(session(["completions", "bash"]).stdout.utf8).write(to: URL(fileURLWithPath: root + "/jido-session.bash"))
            var driver = """
            set -u
            source '\(root)/jido-session.bash'
            complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _jido_session
                               printf '%s\\n' "${COMPREPLY[@]}" --; }
            complete_words jido-session ''

            """
            for spec in specs { driver += "complete_words jido-session \(spec.name) -\n" }
            let run = try runProgram("/bin/bash", ["--norc", "--noprofile", "-c", driver])
            #expect(run.status == 0 && run.stderr.isEmpty, "bash: \(run.stderr)")
            let lists = run.stdout.components(separatedBy: "--\n").dropLast().map { $0.split(separator: "\n").map(String.init) }
            try #require(lists.count == specs.count + 1)
            #expect(lists[0] == specs.map(\.name))
            for (spec, list) in zip(specs, lists.dropFirst()) {
                #expect(Set(list) == Set(spec.options.map(\.name) + ["-h", "--help"]), "\(spec.name)")
            }
        }
    }
}
