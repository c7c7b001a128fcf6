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
}
