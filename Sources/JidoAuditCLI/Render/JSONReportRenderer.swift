import JidoCommandLine
import JidoAudit
import JidoCore

/// `--format json`: the report as one JSON object (UTF-8, keys sorted, two-space indent, trailing newline).
///
/// Schema (version 1). Fields are only ever added within a version; a removal, rename or change of meaning
/// bumps `schema_version`. The contract is `Sources/JidoAudit/Schemas/audit-report.schema.json` (closed: a field
/// added here is added there, or ContractTests fails); this comment is its summary.
///
/// - `schema_version` (integer): version of this schema, currently 1.
/// - `tool` (object): `name` (string, always `"jido-audit"`), `version` (string, the jido-audit version).
/// - `home` (string): the home directory audited, as given (`--home`, `$JIDO_HOME` or `$HOME`), escaped as every
///   printed path is (README, "Output"; reversible).
/// - `home_base64` (string): the home directory's path byte for byte, base64 (RFC 4648, padded): exact even when
///   the path is not UTF-8.
/// - `data_directory` (string): the JidoCode data directory audited (`<home>/.jido_code`), escaped like `home`.
/// - `data_directory_base64` (string): its bytes, base64, like `home_base64`.
/// - `summary` (object):
///   - `errors`, `warnings`, `notes` (integers): number of findings of each severity that count (not
///     suppressed).
///   - `suppressed` (integer): findings accepted by `--ignore` or the suppressions file (listed, marked).
///   - `session_files` (integer): session files examined.
///   - `bytes_read` (integer): bytes of session and secret files read.
///   - `duration_seconds` (number): wall-clock time of the audit, in seconds.
///   - `verdicts` (object): session files per signature verdict; always the six keys `valid` (signature
///     matches), `invalid` (signature does not match), `unsigned` (no signature), `null-signature`
///     (`"signature": null`), `malformed` (signature is not base64 of 32 bytes, or not a string) and
///     `undecodable` (not a JSON object JidoCode can read), each an integer.
/// - `findings` (array of objects), errors first, then warnings, then notes; by path, then rule id within a
///   severity:
///   - `rule_id` (string): the stable rule id (`JG0xx`), never reused for another meaning.
///   - `rule_name` (string): the rule's short kebab-case name.
///   - `severity` (string): `"error"`, `"warning"` or `"note"`.
///   - `path` (string): the file or directory concerned, as the audit saw it (absolute, or relative to the
///     working directory when `--home` or `--baseline` was relative), escaped (README, "Output"; reversible).
///   - `path_base64` (string): the same path byte for byte, base64: exact even when a name is not UTF-8.
///   - `message` (string): what exactly is wrong with this entry.
///   - `fix` (string): what to do about it (the rule's help).
///   - `suppressed` (object or null): null when the finding counts; otherwise `reason` (string: why it
///     is accepted), `source` (string: `config:LINE`, the line of the suppressions file, or `--ignore`)
///     and `expires` (string `YYYY-MM-DD` or null). Suppressed findings do not count for `--fail-on`.
///   `--min-severity` and `--verbose` only change the text report: every finding is listed here.
/// - `summary.findings_not_listed` (number): findings counted in the summary but not listed (a report
///   lists at most `AuditReport.maxListedFindings`).
/// - `execution` (object): `successful` (boolean) and `error` (string or null): when the audit could
///   not run (exit status 3) the document is still written, empty, with the reason (escaped).
/// - `hostname` (string or null): the hostname the signing key was derived with.
/// - `secret_fingerprint` (string or null): the `SecretFingerprint` (16 hex digits) of the secret the
///   key was derived from; null when no secret was usable.
/// - `hostname_suggestion` (string or null): another hostname under which the failing signatures
///   verify (rule JG018), when most fail.
/// - `rules` (array of objects): the rules that fired at least once, by id:
///   - `id` (string), `name` (string), `severity` (string): as in `findings`.
///   - `summary` (string): one sentence: what the rule detects and why it matters.
///   - `help` (string): what to do about it.
enum JSONReportRenderer {
    static func render(_ report: AuditReport) -> String {
        JSONText.render(.object(object(report)))
    }

    static func object(_ report: AuditReport) -> JSONObject {
        let findings = report.sortedFindings
        let fired = Set(report.findings.map(\.rule)).sorted { $0.id < $1.id }
        let verdicts = SignatureVerdict.allCases.map { ($0.rawValue, int(report.verdicts[$0] ?? 0)) }
        let summary = JSONObject([
            ("errors", int(report.total(.error))),
            ("warnings", int(report.total(.warning))),
            ("notes", int(report.total(.note))),
            ("suppressed", int(report.suppressedCount)),
            ("findings_not_listed", int(report.unlistedCount)),
            ("session_files", int(report.sessionFiles)),
            ("bytes_read", int(report.bytesRead)),
            ("duration_seconds", .float(report.duration.isFinite ? max(report.duration, 0) : 0)),
            ("verdicts", .object(JSONObject(verdicts))),
        ])
        return JSONObject([
            ("schema_version", int(AuditReport.schemaVersion)),
            ("tool", .object(JSONObject([("name", .string("jido-audit")), ("version", .string(JidoCore.version))]))),
            ("home", .string(DisplayText.escape(bytes: report.homePath.bytes))),
            ("home_base64", .string(Base64.encode(report.homePath.bytes))),
            ("data_directory", .string(DisplayText.escape(bytes: report.dataDirectoryPath.bytes))),
            ("data_directory_base64", .string(Base64.encode(report.dataDirectoryPath.bytes))),
            ("execution", .object(JSONObject([
                ("successful", .bool(report.failure == nil)),
                ("error", report.failure.map { .string($0) } ?? .null),
            ]))),
            ("hostname", report.hostname.map { .string($0) } ?? .null),
            ("hostname_suggestion", report.hostnameSuggestion.map { .string($0) } ?? .null),
            ("secret_fingerprint", report.secretFingerprint.map { .string($0) } ?? .null),
            ("summary", .object(summary)),
            ("findings", .array(findings.map { finding in
                .object(JSONObject([
                    ("rule_id", .string(finding.rule.id)),
                    ("rule_name", .string(finding.rule.name)),
                    ("severity", .string(finding.severity.rawValue)),
                    ("path", .string(finding.displayPath)),
                    ("path_base64", .string(Base64.encode(finding.pathBytes))),
                    ("message", .string(finding.displayMessage)),
                    ("fix", .string(finding.rule.help)),
                    ("suppressed", finding.suppression.map { suppression in
                        .object(JSONObject([
                            ("reason", .string(DisplayText.escape(suppression.reason))),
                            ("source", .string(suppression.source)),
                            ("expires", suppression.expires.map { .string($0) } ?? .null),
                        ]))
                    } ?? .null),
                ]))
            })),
            ("rules", .array(fired.map { rule in
                .object(JSONObject([
                    ("id", .string(rule.id)),
                    ("name", .string(rule.name)),
                    ("severity", .string(rule.severity.rawValue)),
                    ("summary", .string(rule.summary)),
                    ("help", .string(rule.help)),
                ]))
            })),
        ])
    }

    private static func int(_ value: Int) -> JSONValue { .integer(JSONInteger(value)) }
}
