import JidoCommandLine
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-audit rotate-secret`: replace the machine secret and re-sign the sessions that verify under
/// the old one (`SecretRotation`, crash-safe and resumable). Thin: parse, ask, run, print.
struct RotateSecretCommand: Subcommand {
    static let spec = CommandSpec(
        name: "rotate-secret",
        summary: "Replace the machine secret and re-sign every session that verifies under the old one (crash-safe, resumable).",
        options: KeyOptions.specs.filter { $0.name != "--secret-file" } + [
            .flag("--dry-run", "Print what would be re-signed and left alone; change nothing."),
            .flag("--resume", "Finish an interrupted rotation (any run does; with --resume, nothing else is started)."),
            .flag("--yes", "Do not ask for confirmation (required when standard input is not a terminal)."),
            .flag("--force", "Run even when a JidoCode process appears to use the data directory."),
            .flag("--include-fallback", "Also re-sign sessions that verify under JidoCode's fallback key (JG080): only if you trust their content."),
            .value("--node", "NAME", "Node name of a distributed JidoCode, tried for its fallback key besides nonode@nohost; repeatable."),
        ],
        positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
        discussion: """
        Quit JidoCode first: it caches its key and would keep signing with the old one (a running JidoCode is
        refused unless --force). A new secret is made as JidoCode makes one (64 hex characters, 0600); every
        session that verifies under the old secret is re-signed under the new one, under its lock; every other
        file is left byte for byte as it was and listed with the reason. The old secret is kept as
        machine_secret.retired-<UTC> (0600): copies of sessions made before the rotation verify only with it.
        A journal (rotation-journal, 0600) makes the rotation resumable after a crash at any instant: run
        'jido-audit rotate-secret --resume' (the audit reports an unfinished rotation as JG082).
        Exit status: 0 rotated, every signed session now under the new key; 1 rotated, but some files were left
        alone (listed), or the confirmation was declined (nothing changed); 2 usage error, or no terminal to ask and
        no --yes; 3 refused or failed (a JidoCode process, an unusable secret or journal, an I/O error): the
        message names the fix; an interrupted rotation is finished by --resume.
        """)

    let keyOptions: KeyOptions
    let dryRun: Bool
    let resume: Bool
    let yes: Bool
    let force: Bool
    let includeFallback: Bool
    let nodes: [String]

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        dryRun = arguments.flag("--dry-run")
        resume = arguments.flag("--resume")
        yes = arguments.flag("--yes")
        force = arguments.flag("--force")
        includeFallback = arguments.flag("--include-fallback")
        nodes = arguments.allValues("--node")
        if nodes.contains(where: \.isEmpty) { throw UsageError("--node needs a non-empty node name") }
    }

    func run(_ io: CommandIO) -> ExitCode {
        let data = DisplayText.escape(bytes: keyOptions.dataDirectory.bytes)
        var options = RotationOptions(home: keyOptions.home)
        options.hostname = keyOptions.hostname
        options.includeFallback = includeFallback
        options.fallbackNodes = nodes
        options.checkProcesses = !force
        options.dryRun = dryRun
        if !dryRun && !yes {
            guard StandardInput.isTerminal else {
                io.err("jido-audit rotate-secret: standard input is not a terminal, so nothing can be confirmed: pass --yes to rotate \(data)\n")
                return .usage
            }
            io.err("Rotate the machine secret of \(data)? Sessions under the old secret are re-signed; quit JidoCode first. [y/N] ")
            let answer = StandardInput.readLine()?.lowercased()
            guard answer == "y" || answer == "yes" else {
                io.err("jido-audit rotate-secret: not confirmed; nothing was changed\n")
                return .findings
            }
        }
        let report: RotationReport
        do throws(RotationError) {
            report = try SecretRotation.run(options, resumeOnly: resume)
        } catch {
            if case .nothingToResume = error {
                io.out("jido-audit rotate-secret: \(data): no unfinished rotation; nothing to do\n")
                return .success
            }
            io.err("jido-audit rotate-secret: \(DisplayText.escape(error.description))\n")
            return .cannotRun
        }
        io.out(Self.summary(report, data: data))
        return report.leftAlone.isEmpty ? .success : .findings
    }

    /// The summary: what was (or would be) re-signed, and every file left alone with its reason.
    static func summary(_ report: RotationReport, data: String) -> String {
        let would = report.dryRun ? "would be " : ""
        var lines: [String] = []
        let what = report.dryRun ? "dry run, nothing changed" : (report.resumed ? "interrupted rotation finished" : "secret rotated")
        lines.append("jido-audit rotate-secret: \(data): \(what); hostname \(DisplayText.escape(report.hostname.debugDescription))")
        if let old = report.oldFingerprint { lines.append("  old secret fingerprint \(old)" + (report.retiredName.map { report.dryRun ? "" : ", kept as \($0)" } ?? "")) }
        if let new = report.newFingerprint, !report.dryRun { lines.append("  new secret fingerprint \(new)") }
        lines.append("  \(report.resigned.count) sessions \(would)re-signed" + (report.resignedFromFallback.isEmpty ? "" : " (\(report.resignedFromFallback.count) from JidoCode's fallback key)")
            + (report.alreadyNew.isEmpty ? "" : ", \(report.alreadyNew.count) already under the new key"))
        if !report.leftAlone.isEmpty {
            lines.append("  \(report.leftAlone.count) files \(would)left alone, byte for byte:")
            for entry in report.leftAlone { lines.append("    \(DisplayText.escape(entry.name)): \(DisplayText.escape(entry.reason ?? ""))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
