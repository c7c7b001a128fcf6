import JidoCommandLine
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-audit [audit]`: audit a JidoCode data directory.
struct AuditCommand: Subcommand {
    static let spec = CommandSpec(
        name: "audit",
        summary: "Audit the data directory: permissions, file identity, secret, signatures (the default).",
        options: KeyOptions.specs + [
            .value("--format", "text|json|sarif", "Output format (default: text)."),
            .value("--fail-on", "error|warning|note", "Lowest severity that makes the exit status 1 (default: warning)."),
            .value("--min-severity", "error|warning|note", "Lowest severity the text report shows (default: warning; JSON and SARIF list all)."),
            .value("--ignore", "RULE[,RULE]", "Suppress these rules' findings (still listed in JSON and SARIF, counted in the summary); repeatable."),
            .value("--config", "FILE", "Suppressions file (default: $XDG_CONFIG_HOME/jido-audit/config or ~/.config/jido-audit/config, if present)."),
            .flag("--verbose", "List every path of every rule, the notes and the suppressed findings with their reasons."),
            .flag("--quiet", "Print only the summary."),
            .value("--color", "auto|always|never", "Colour the text report (default: auto: on a terminal; NO_COLOR disables, FORCE_COLOR forces)."),
            .path("--baseline", "FILE", "Compare with a baseline written by 'jido-audit baseline --write FILE'."),
            .path("--output", "FILE", "Write the report to FILE (created 0600, replaced atomically) instead of standard output."),
            .flag("--fix", "Tighten modes that are too open (through descriptors; never deletes or re-signs), then audit again."),
            .flag("--dry-run", "With --fix: print what would change, change nothing."),
            OwnerOption.spec,
            .value("--max-sessions", "N", "Session count reported as at the limit (default: 100)."),
            .value("--cleanup-days", "N", "Age in days after which a closed session is reported as cleanup-eligible (default: 30)."),
            JobsOption.spec("Session files audited"),
            .value("--node", "NAME", "Node name of a distributed JidoCode, tried for its fallback key besides nonode@nohost (JG080); repeatable."),
        ],
        positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
        discussion: """
        Audits $JIDO_HOME/.jido_code, else $HOME/.jido_code, unless --home is given.
        Exit status: 0 nothing at or above --fail-on, 1 findings, 2 usage or suppressions-file error, 3 the audit could not run.
        Suppressed findings never count for --fail-on; --min-severity only hides findings from the text report.
        """)

    let keyOptions: KeyOptions
    let format: String
    let failOn: Severity
    let baseline: PathBytes?
    let fix: Bool
    let dryRun: Bool
    let maxSessions: Int
    let cleanupDays: Int
    let owner: UInt32?
    let output: PathBytes?
    let textOptions: TextOptions
    let suppressions: Suppressions
    let nodes: [String]
    let jobs: Int

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        owner = try OwnerOption.parse(arguments)
        nodes = arguments.allValues("--node")
        jobs = try JobsOption.parse(arguments)
        if nodes.contains(where: \.isEmpty) { throw UsageError("--node needs a non-empty node name") }
        output = arguments.path("--output")
        if let output, output.isEmpty { throw UsageError("--output needs a file name") }
        format = try ArgumentParser.choice(arguments, "--format", ["text", "json", "sarif"], default: "text")
        failOn = Severity(rawValue: try ArgumentParser.choice(arguments, "--fail-on", ["error", "warning", "note"], default: "warning")) ?? .warning
        baseline = arguments.path("--baseline")
        fix = arguments.flag("--fix")
        dryRun = arguments.flag("--dry-run")
        if dryRun && !fix { throw UsageError("--dry-run goes with --fix") }
        maxSessions = try ArgumentParser.integer(arguments, "--max-sessions", default: 100, in: 1...10_000_000)
        cleanupDays = try ArgumentParser.integer(arguments, "--cleanup-days", default: 30, in: 0...100_000)
        if arguments.value("--config")?.isEmpty == true { throw UsageError("--config needs a file name") }
        textOptions = try Self.textOptions(arguments, io: io, toFile: output != nil)
        suppressions = try Self.suppressions(arguments, io: io)
    }

    static func textOptions(_ arguments: ParsedArguments, io: CommandIO, toFile: Bool) throws(UsageError) -> TextOptions {
        var options = TextOptions()
        options.verbose = arguments.flag("--verbose")
        options.quiet = arguments.flag("--quiet")
        if options.verbose && options.quiet { throw UsageError("--verbose and --quiet exclude each other") }
        let severities = Severity.allCases.reversed().map(\.rawValue)
        if arguments.value("--min-severity") != nil {
            options.minSeverity = Severity(rawValue: try ArgumentParser.choice(arguments, "--min-severity", severities, default: "warning")) ?? .warning
        } else if options.verbose {
            options.minSeverity = .note
        }
        let color = try ArgumentParser.choice(arguments, "--color", ColorChoice.allCases.map(\.rawValue), default: "auto")
        options.color = TextRenderer.useColor(ColorChoice(rawValue: color) ?? .auto, io: io, toFile: toFile)
        return options
    }

    /// `--config FILE` (must exist), else the default file if present; then every `--ignore`.
    static func suppressions(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) -> Suppressions {
        do throws(SuppressionError) {
            var suppressions = Suppressions()
            if let file = arguments.value("--config") {
                suppressions = try Suppressions.load(file: file, mustExist: true) ?? Suppressions()
            } else if let file = Suppressions.defaultFile(environment: io.environment) {
                suppressions = try Suppressions.load(file: file, mustExist: false) ?? Suppressions()
            }
            for list in arguments.allValues("--ignore") { try suppressions.ignore(list) }
            return suppressions
        } catch {
            throw UsageError(error.description)
        }
    }

    func configuration(io: CommandIO) -> AuditConfiguration {
        var configuration = AuditConfiguration(home: keyOptions.home)
        configuration.secretFilePath = keyOptions.secretFile
        configuration.hostname = keyOptions.hostname
        configuration.maxSessions = maxSessions
        configuration.cleanupDays = cleanupDays
        configuration.owner = owner
        configuration.hashContents = baseline != nil
        configuration.suppressions = suppressions
        configuration.fallbackNodes = nodes
        configuration.jobs = jobs
        if io.stderrIsTerminal {
            configuration.progress = { done, total in
                if done % 200 == 0 || done == total { io.err("\rjido-audit: \(done)/\(total) session files" + (done == total ? "\n" : "")) }
            }
        }
        return configuration
    }

    func audit(io: CommandIO) -> Result<AuditReport, AuditFailure> {
        do throws(AuditFailure) {
            var report = try Auditor.run(configuration(io: io))
            if let baseline { Baseline.compare(file: baseline, with: &report) }
            return .success(report)
        } catch {
            return .failure(error)
        }
    }

    func run(_ io: CommandIO) -> ExitCode {
        var report: AuditReport
        switch audit(io: io) {
        case let .success(first): report = first
        case let .failure(error):
            io.err("jido-audit: \(error.displayText)\n")
            // JSON and SARIF consumers (a CI upload step) still get a document, with the reason.
            if format != "text" {
                var empty = AuditReport(home: keyOptions.home, dataDirectory: StoreLayout.dataPath(home: keyOptions.home))
                empty.failure = error.displayText
                _ = emit(render(empty, io: io), io: io)
            }
            return .cannotRun
        }
        if fix {
            let outcomes = Fixer.apply(Fixer.plan(for: report), home: keyOptions.home, dryRun: dryRun)
            // What --fix did goes to stderr, whatever the format: stdout carries only the report.
            func say(_ text: String) { io.err(text) }
            for outcome in outcomes {
                let change = "chmod \(outcome.repair.from) -> \(outcome.repair.to) \(DisplayText.escape(bytes: outcome.repair.pathBytes.bytes))"
                if let problem = outcome.problem {
                    say("not fixed: \(change): \(problem)\n")
                } else {
                    say((dryRun ? "would " : "fixed: ") + change + "\n")
                }
            }
            if outcomes.isEmpty { say("nothing to fix\n") }
            if !dryRun && outcomes.contains(where: { $0.problem == nil }) {
                switch audit(io: io) {
                case let .success(again): report = again
                case let .failure(error):
                    io.err("jido-audit: \(error.displayText)\n")
                    return .cannotRun
                }
            }
        }
        guard emit(render(report, io: io), io: io) else { return .cannotRun }
        return report.count(atLeast: failOn) > 0 ? .findings : .success
    }

    func render(_ report: AuditReport, io: CommandIO) -> String {
        switch format {
        case "json": return JSONReportRenderer.render(report)
        case "sarif": return SARIFRenderer.render(report)
        default: return TextRenderer.render(report, options: textOptions)
        }
    }

    /// Writes the report to standard output, or with `--output` to that file: created 0600 under a
    /// unique temporary name, fsynced, renamed into place (a reader never sees half a report).
    func emit(_ document: String, io: CommandIO) -> Bool {
        guard let output else {
            io.out(document)
            return true
        }
        let (parent, name) = output.split
        do throws(SystemCallError) {
            let directory = try FileDescriptor.open(parent, [.readOnly, .directory, .closeOnExec])
            try directory.closeAfter { (fd) throws(SystemCallError) in
                try AtomicFileWriter.write(Array(document.utf8), as: name, in: fd, permissions: .ownerReadWrite)
            }
            return true
        } catch {
            io.err("jido-audit: cannot write the report to \(DisplayText.escape(bytes: output.bytes)): \(error.call): \(error.errno)\n")
            return false
        }
    }
}

/// `jido-audit baseline --write FILE`: record the current state for later `--baseline` comparisons.
struct BaselineCommand: Subcommand {
    static let spec = CommandSpec(
        name: "baseline",
        summary: "Record every entry under the data directory (type, inode, owner, mode, links, size, times, SHA-256, link target) in a baseline file.",
        options: KeyOptions.specs + [.path("--write", "FILE", "Where to write the baseline (created 0600, replaced atomically)."),
                                     OwnerOption.spec],
        positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
        discussion: "Compare later with 'jido-audit --baseline FILE'. Write it from a state you trust.")

    let keyOptions: KeyOptions
    let file: PathBytes
    let owner: UInt32?

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        owner = try OwnerOption.parse(arguments)
        guard let file = arguments.path("--write"), !file.isEmpty else { throw UsageError("baseline needs --write FILE") }
        self.file = file
    }

    func run(_ io: CommandIO) -> ExitCode {
        var configuration = AuditConfiguration(home: keyOptions.home)
        configuration.secretFilePath = keyOptions.secretFile
        configuration.hostname = keyOptions.hostname
        configuration.hashContents = true
        configuration.owner = owner
        do throws(AuditFailure) {
            let report = try Auditor.run(configuration)
            do throws(Baseline.Problem) {
                try Baseline(entries: report.entries).write(to: file)
            } catch {
                io.err("jido-audit baseline: \(DisplayText.escape(bytes: file.bytes)): \(DisplayText.escape(error.description))\n")
                return .cannotRun
            }
            io.out("baseline of \(report.entries.count) entries written to \(DisplayText.escape(bytes: file.bytes))\n")
            // What could not be recorded is said, not silently left out (at most a few lines).
            let incomplete = report.findings.filter { $0.rule == Rules.baselineIncomplete || $0.rule == Rules.changedDuringAudit }
            for finding in incomplete.prefix(5) {
                io.err("jido-audit baseline: warning: \(finding.displayPath): \(finding.displayMessage) (\(finding.rule.id))\n")
            }
            if incomplete.count > 5 { io.err("jido-audit baseline: warning: and \(incomplete.count - 5) more entries not fully recorded\n") }
            return .success
        } catch {
            io.err("jido-audit baseline: \(error.displayText)\n")
            return .cannotRun
        }
    }
}
