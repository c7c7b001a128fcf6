import JidoCommandLine
import JidoAudit
import JidoCore

/// How the text report is shown: `--min-severity`, `--verbose`, `--quiet`, `--color`.
struct TextOptions: Sendable {
    /// Findings below it are counted, not shown (default: warning; notes are shown with `--verbose`).
    var minSeverity: Severity = .warning
    /// Every path of every rule, and the suppressed findings with their reasons.
    var verbose = false
    /// Only the summary.
    var quiet = false
    var color = false
}

/// `--color auto|always|never`.
enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}

/// The report for people: a header (home, hostname, secret fingerprint), then the findings that count
/// grouped by severity (errors, warnings, notes) and within it by rule: one block per rule with its count,
/// the first `pathsPerRule` paths with their messages (all with `--verbose`) and the fix; then a hint when
/// most signatures fail, and the summary, which says what was not shown and how to show it.
///
/// Paths and messages come from the file system (a hostile file name is attacker-controlled), so control
/// characters and bidirectional overrides in them are shown as `\xNN` / `\u{NNNN}` escapes: a name can never
/// move the cursor, recolour the terminal or reorder what is shown. ANSI colour appears only when asked for.
enum TextRenderer {
    /// Paths listed per rule without `--verbose`.
    static let pathsPerRule = 5

    static func render(_ report: AuditReport, options: TextOptions) -> String {
        let style = Style(enabled: options.color)
        var lines: [String] = []
        if !options.quiet {
            lines += [header(report), ""]
            let counted = report.sortedFindings.filter { $0.suppression == nil }
            for severity in Severity.allCases.reversed() where severity >= options.minSeverity {
                let group = counted.filter { $0.severity == severity }
                guard !group.isEmpty else { continue }
                lines.append(style.heading("\(severity.groupTitle) (\(group.count))", severity))
                for (rule, findings) in byRule(group) {
                    lines.append("  " + style.colored("\(rule.id) \(rule.name)", severity) + " (\(findings.count))")
                    let shown = options.verbose ? findings[...] : findings.prefix(pathsPerRule)
                    for finding in shown { lines.append("    " + finding.displayPath + ": " + finding.displayMessage) }
                    if shown.count < findings.count {
                        lines.append("    ... and \(findings.count - shown.count) more (--verbose lists them all)")
                    }
                    lines.append("    fix: " + rule.help)
                }
                lines.append("")
            }
            if options.verbose { lines += suppressedSection(report, style: style) }
            if let hint = report.hint { lines += [style.bold("hint: ") + DisplayText.escape(hint), ""] }
        }
        lines.append(style.bold(summary(report)))
        if let hidden = notShown(report, options: options) { lines.append(hidden) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `jido-audit: home /home/me, hostname "devbox", secret fingerprint 1a2b3c4d5e6f7a8b`, naming
    /// `--secret-file` when the secret came from there.
    static func header(_ report: AuditReport) -> String {
        var parts = ["home " + DisplayText.escape(report.home)]
        if let hostname = report.hostname { parts.append("hostname \(hostname.debugDescription)") }
        if let fingerprint = report.secretFingerprint {
            let storeSecret = report.dataDirectoryPath.appending(StoreLayout.secretFile)
            let source = report.secretFile.map { $0 == storeSecret ? "" : " (--secret-file \(DisplayText.escape(bytes: $0.bytes)))" } ?? ""
            parts.append("secret fingerprint \(fingerprint)" + source)
        } else {
            parts.append("no usable secret (signatures not verified)")
        }
        return "jido-audit: " + parts.joined(separator: ", ")
    }

    /// Findings of one severity by rule id, each rule's findings in report order (by path).
    static func byRule(_ findings: [Finding]) -> [(Rule, [Finding])] {
        let grouped = Dictionary(grouping: findings, by: \.rule)
        return grouped.keys.sorted { $0.id < $1.id }.map { ($0, grouped[$0] ?? []) }
    }

    /// `--verbose`: every suppressed finding, with where its suppression comes from and why.
    static func suppressedSection(_ report: AuditReport, style: Style) -> [String] {
        let suppressed = report.sortedFindings.filter { $0.suppression != nil }
        guard !suppressed.isEmpty else { return [] }
        var lines = [style.bold("Suppressed (\(suppressed.count))")]
        for finding in suppressed {
            guard let suppression = finding.suppression else { continue }
            lines.append("  \(finding.rule.id) \(finding.rule.name): \(finding.displayPath): \(finding.displayMessage)")
            let until = suppression.expires.map { " until \($0)" } ?? ""
            lines.append("    suppressed by \(suppression.source)\(until): \(DisplayText.escape(suppression.reason))")
        }
        return lines + [""]
    }

    /// `jido-audit: not shown: 24 notes (--verbose or --min-severity note shows them), 3 suppressed (...)`,
    /// or nil when everything that counts was shown and nothing was suppressed.
    static func notShown(_ report: AuditReport, options: TextOptions) -> String? {
        var parts: [String] = []
        let hidden = Severity.allCases.reversed().filter { $0 < options.minSeverity && report.total($0) > 0 }
        if let lowest = hidden.last {
            let counts = hidden.map { counted(report.total($0), $0.rawValue) }.joined(separator: ", ")
            let how = !options.verbose && options.minSeverity == .warning ? "--verbose or --min-severity note" : "--min-severity \(lowest.rawValue)"
            parts.append("\(counts) below --min-severity \(options.minSeverity.rawValue) (\(how) shows them)")
        }
        if report.suppressedCount > 0 {
            parts.append("\(report.suppressedCount) suppressed by --ignore or the suppressions file"
                + (options.verbose ? "" : " (--verbose lists them with their reasons)"))
        }
        return parts.isEmpty ? nil : "jido-audit: not shown: " + parts.joined(separator: "; ")
    }

    /// Colour: `always` and `never` decide. `auto` (the default): never into a file (`--output`); always when
    /// `FORCE_COLOR` is non-empty and not `0` (force-color.org, whose reference checks it after `NO_COLOR`, so
    /// it wins); never when `NO_COLOR` is non-empty (no-color.org); otherwise only on a terminal whose `TERM`
    /// is not `dumb`.
    static func useColor(_ choice: ColorChoice, io: CommandIO, toFile: Bool) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto:
            if toFile { return false }
            if let force = io.environment["FORCE_COLOR"], !force.isEmpty, force != "0" { return true }
            if !(io.environment["NO_COLOR"] ?? "").isEmpty { return false }
            return io.stdoutIsTerminal && io.environment["TERM"] != "dumb"
        }
    }

    /// `jido-audit: 3 errors, 5 warnings, 2 notes in 24 session files (7.2 MB, 0.31 s); verdicts: 16 valid, 4 invalid`
    /// (`no findings` instead of the counts when clean; no verdict part when no session was read).
    static func summary(_ report: AuditReport) -> String {
        let counts = Severity.allCases.reversed().map { severity in
            counted(report.total(severity), severity.rawValue)
        }
        var text = "jido-audit: " + (report.findings.isEmpty && report.unlistedCount == 0 ? "no findings" : counts.joined(separator: ", "))
        if report.unlistedCount > 0 {
            text += " (\(report.unlistedCount) not listed: a report lists at most \(AuditReport.maxListedFindings))"
        }
        text += " in \(counted(report.sessionFiles, "session file")) (\(byteCount(report.bytesRead)), \(seconds(report.duration)))"
        let verdicts = SignatureVerdict.allCases.compactMap { verdict -> String? in
            let n = report.verdicts[verdict] ?? 0
            return n > 0 ? "\(n) \(verdict.rawValue)" : nil
        }
        if !verdicts.isEmpty { text += "; verdicts: " + verdicts.joined(separator: ", ") }
        if let hostname = report.hostname { text += "; hostname \(hostname.debugDescription)" }
        return text
    }

    static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// Decimal units with one decimal: `512 B`, `7.2 MB`.
    static func byteCount(_ bytes: Int) -> String {
        let value = max(bytes, 0)
        guard value >= 1000 else { return "\(value) B" }
        var unit = 1000
        for name in ["kB", "MB", "GB", "TB", "PB"] {
            let tenths = (value / unit) * 10 + ((value % unit) * 10 + unit / 2) / unit
            if tenths < 10_000 || name == "PB" { return "\(tenths / 10).\(tenths % 10) \(name)" }
            unit *= 1000
        }
        return "\(value) B"
    }

    /// Two decimals: `0.31 s`.
    static func seconds(_ duration: Double) -> String {
        let hundredths = duration.isFinite && duration > 0 ? Int(min(duration, 1e12) * 100 + 0.5) : 0
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }

    /// ANSI SGR sequences, or nothing.
    struct Style {
        let enabled: Bool

        func sgr(_ codes: String, _ text: String) -> String { enabled ? "\u{1B}[\(codes)m\(text)\u{1B}[0m" : text }
        func bold(_ text: String) -> String { sgr("1", text) }
        func colored(_ text: String, _ severity: Severity) -> String { sgr(severity.ansiColor, text) }
        func heading(_ text: String, _ severity: Severity) -> String { sgr("1;" + severity.ansiColor, text) }
    }
}

extension Severity {
    fileprivate var groupTitle: String {
        switch self {
        case .error: "Errors"
        case .warning: "Warnings"
        case .note: "Notes"
        }
    }

    /// Red, yellow, cyan.
    fileprivate var ansiColor: String {
        switch self {
        case .error: "31"
        case .warning: "33"
        case .note: "36"
        }
    }
}
