import JidoAudit
import JidoCore

/// The report for people: findings grouped by severity (errors, warnings, notes), each with its rule, path,
/// message and fix, then one summary line.
///
/// Paths and messages come from the file system (a hostile file name is attacker-controlled), so control
/// characters and bidirectional overrides in them are shown as `\xNN` / `\u{NNNN}` escapes: a name can never
/// move the cursor, recolour the terminal or reorder what is shown. ANSI colour appears only when asked for.
enum TextRenderer {
    static func render(_ report: AuditReport, color: Bool) -> String {
        let style = Style(enabled: color)
        let findings = report.sortedFindings
        var lines: [String] = []
        for severity in Severity.allCases.reversed() {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            lines.append(style.heading("\(severity.groupTitle) (\(group.count))", severity))
            for finding in group {
                lines.append("  " + style.colored("\(finding.rule.id) \(finding.rule.name)", severity) + ": " + finding.displayPath)
                lines.append("    " + finding.displayMessage)
                lines.append("    fix: " + finding.rule.help)
            }
            lines.append("")
        }
        lines.append(style.bold(summary(report)))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set to a non-empty value (no-color.org)
    /// or `TERM` is `dumb`.
    static func useColor(io: CommandIO) -> Bool {
        io.stdoutIsTerminal && (io.environment["NO_COLOR"] ?? "").isEmpty && io.environment["TERM"] != "dumb"
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
    private struct Style {
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
