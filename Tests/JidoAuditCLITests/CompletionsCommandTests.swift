import Foundation
import JidoTestSupport
import Testing
@testable import JidoAuditCLI
import JidoCommandLine

/// `jido-audit completions bash|zsh|fish` and `jido-audit man` are made from the specs `--help` prints; these
/// tests fail if a subcommand or an option is ever missing from one of them, and run bash's completion for real.
@Suite struct CompletionsCommandTests {
    static var specs: [CommandSpec] { JidoAuditCommand.commands.map { $0.spec } }

    func script(_ shell: String) -> String {
        let run = audit(["completions", shell])
        #expect(run.status == 0 && run.stderr.isEmpty)
        return run.stdout
    }

    /// Runs `bash` with the completion script sourced, then `body`; `complete_words WORD...` prints the
    /// completions of the last word, one per line, then `--`.
    func bash(_ body: String, in directory: String? = nil) throws -> String {
        try withTemporaryDirectory { root in
            let file = root + "/jido-audit.bash"
            try Data(script("bash").utf8).write(to: URL(fileURLWithPath: file))
            let driver = """
            set -u
            source '\(file)'
            complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _jido_audit
                               printf '%s\\n' "${COMPREPLY[@]}" --; }
            cd '\(directory ?? root)'
            \(body)
            """
            let run = try runProgram("/bin/bash", ["--norc", "--noprofile", "-c", driver])
            #expect(run.status == 0 && run.stderr.isEmpty, "bash: \(run.stderr)")
            return run.stdout
        }
    }

    /// Completion answers, in order, one list per `complete_words` call.
    func answers(_ output: String) -> [[String]] {
        output.components(separatedBy: "--\n").dropLast().map { $0.split(separator: "\n").map(String.init) }
    }

    @Test func bashCompletesEverySubcommandAndEveryOption() throws {
        var body = "complete_words jido-audit ''\ncomplete_words jido-audit -\n"
        for spec in Self.specs { body += "complete_words jido-audit \(spec.name) -\n" }
        let lists = answers(try bash(body))
        try #require(lists.count == Self.specs.count + 2)
        #expect(lists[0] == Self.specs.map(\.name))
        // No subcommand: audit's options, and --version.
        #expect(Set(lists[1]) == Set(AuditCommand.spec.options.map(\.name) + ["-h", "--help", "--version"]))
        for (spec, list) in zip(Self.specs, lists.dropFirst(2)) {
            #expect(Set(list) == Set(spec.options.map(\.name) + ["-h", "--help"]), "\(spec.name)")
        }
    }

    @Test func bashCompletesValuesFromTheDeclaredValueNames() throws {
        try withTemporaryDirectory { root in
            try Data().write(to: URL(fileURLWithPath: root + "/session.json"))
            try FileManager.default.createDirectory(atPath: root + "/homedir", withIntermediateDirectories: false)
            let lists = answers(try bash("""
            complete_words jido-audit --format ''
            complete_words jido-audit audit --fail-on w
            complete_words jido-audit --format = s
            complete_words jido-audit verify --otp ''
            complete_words jido-audit completions ''
            complete_words jido-audit verify --home /nonexistent s
            complete_words jido-audit --home h
            complete_words jido-audit --hostname ''
            complete_words jido-audit man ''
            """, in: root))
            try #require(lists.count == 9)
            #expect(lists[0] == ["text", "json", "sarif"])
            #expect(lists[1] == ["warning"])
            #expect(lists[2] == ["sarif"], "--format=VALUE")
            #expect(lists[3] == ["25", "27", "any"])
            #expect(lists[4] == ["bash", "zsh", "fish"])
            #expect(lists[5] == ["session.json"], "verify's FILE... complete to files")
            #expect(lists[6] == ["homedir"], "DIR completes to directories")
            #expect(lists[7].isEmpty && lists[8].isEmpty, "NAME and no positional: nothing")
        }
    }

    @Test func bashAcceptsTheScriptAndItDefinesTheCompletion() throws {
        let output = try bash("complete -p jido-audit")
        #expect(output == "complete -F _jido_audit jido-audit\n")
    }

    @Test func zshAndFishScriptsNameEveryOptionOfEverySubcommand() throws {
        let zsh = script("zsh"), fish = script("fish")
        #expect(zsh.hasPrefix("#compdef jido-audit\n"))
        for spec in Self.specs {
            #expect(zsh.contains("    '\(spec.name):"), "zsh lacks subcommand \(spec.name)")
            #expect(fish.contains(" -a \(spec.name) -d "), "fish lacks subcommand \(spec.name)")
            let zshBlock = Self.block(of: zsh, from: "    (\(spec.name))\n", to: "      ;;")
            let fishLines = fish.split(separator: "\n").filter { $0.contains("__fish_seen_subcommand_from \(spec.name)'")
                || $0.contains("__fish_seen_subcommand_from \(spec.name);") }
            for option in spec.options {
                let zshOption = option.valueName == nil ? "'\(option.name)[" : "'\(option.name)=["
                #expect(zshBlock.contains(zshOption), "zsh \(spec.name) lacks \(option.name)")
                #expect(fishLines.contains { $0.contains(" -l \(option.name.dropFirst(2)) ") }, "fish \(spec.name) lacks \(option.name)")
            }
        }
    }

    /// `zsh -n` and `fish -n` parse the scripts where those shells are installed (CI installs them).
    @Test(arguments: ["zsh", "fish"])
    func otherShellsParseTheirScript(_ shell: String) throws {
        guard let path = ["/usr/bin/", "/bin/"].map({ $0 + shell }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            return
        }
        try withTemporaryDirectory { root in
            let file = root + "/script"
            try Data(script(shell).utf8).write(to: URL(fileURLWithPath: file))
            let run = try runProgram(path, ["-n", file])
            #expect(run.status == 0, "\(shell) -n rejects its completion script: \(run.stderr)")
        }
    }

    /// fish's own completion engine (`complete -C`) answers from the script: every option of every subcommand,
    /// audit's without one, the declared choices (where fish is installed; CI installs it).
    @Test func fishCompletesEveryOptionAndTheChoices() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fish") else { return }
        try withTemporaryDirectory { root in
            let file = root + "/jido-audit.fish"
            try Data(script("fish").utf8).write(to: URL(fileURLWithPath: file))
            var lines = ["source '\(file)'", "complete -C 'jido-audit '; echo -- --", "complete -C 'jido-audit --'; echo -- --",
                         "complete -C 'jido-audit --format '; echo -- --", "complete -C 'jido-audit completions '; echo -- --"]
            for spec in Self.specs { lines.append("complete -C 'jido-audit \(spec.name) --'; echo -- --") }
            let run = try runProgram("/usr/bin/fish", ["--no-config", "-c", lines.joined(separator: "\n")])
            let lists = answers(run.stdout).map { Set($0.map { String($0.prefix { $0 != "\t" }) }) }
            try #require(lists.count == Self.specs.count + 4, "\(run.stdout)\(run.stderr)")
            #expect(lists[0] == Set(Self.specs.map(\.name)))
            #expect(lists[1] == Set(AuditCommand.spec.options.map(\.name) + ["--help", "--version"]))
            #expect(lists[2] == ["text", "json", "sarif"])
            #expect(lists[3] == ["bash", "zsh", "fish"])
            for (spec, list) in zip(Self.specs, lists.dropFirst(4)) {
                #expect(list == Set(spec.options.map(\.name) + ["--help"]), "\(spec.name)")
            }
        }
    }

    @Test func unknownShellIsAUsageError() {
        let run = audit(["completions", "tcsh"])
        #expect(run.status == 2 && run.stderr.contains("bash, zsh and fish"))
    }

    // MARK: man

    @Test func manPageDocumentsEverySubcommandAndOption() {
        let run = audit(["man"])
        #expect(run.status == 0)
        let page = run.stdout
        #expect(page.contains(".TH JIDO\\-AUDIT 1 "))
        for spec in Self.specs {
            let section = Self.block(of: page, from: ".SS \"jido\\-audit \(ManPage.escape(spec.name))\"\n", to: ".SS ")
            #expect(!section.isEmpty, "the man page lacks \(spec.name)")
            for option in spec.options {
                let item = option.valueName.map { ".BI \"\(ManPage.escape(option.name)) \" \"\(ManPage.escape($0))\"" }
                    ?? ".B \(ManPage.escape(option.name))"
                #expect(section.contains(".TP\n\(item)\n\(ManPage.escape(option.help))\n"), "man \(spec.name) lacks \(option.name)")
            }
        }
    }

    /// groff formats the page without a warning, and the text shows the options as typed.
    @Test func groffFormatsTheManPageCleanly() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/groff") else { return }
        try withTemporaryDirectory { root in
            let file = root + "/jido-audit.1"
            try Data(audit(["man"]).stdout.utf8).write(to: URL(fileURLWithPath: file))
            let run = try runProgram("/usr/bin/groff", ["-man", "-Tascii", "-ww", file])
            #expect(run.status == 0 && run.stderr.isEmpty, "\(run.stderr)")
            // Bold is overstriking in -Tascii: strip it to read the text.
            let plain = run.stdout.split(separator: "\n").map { line in
                var out = [Character]()
                for character in line {
                    if character == "\u{8}" { _ = out.popLast(); continue }
                    out.append(character)
                }
                return String(out)
            }.joined(separator: "\n")
            #expect(plain.contains("--secret-file FILE"), "\(plain.prefix(2000))")
            #expect(plain.contains("jido-audit completions"))
        }
    }

    /// The text of `text` from the first `start` to the next `end` after it (to the end when there is none).
    static func block(of text: String, from start: String, to end: String) -> String {
        guard let lower = text.range(of: start) else { return "" }
        let rest = text[lower.upperBound...]
        return String(rest[..<(rest.range(of: end)?.lowerBound ?? rest.endIndex)])
    }
}
