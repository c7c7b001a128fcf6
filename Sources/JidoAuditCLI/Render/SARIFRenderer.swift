import JidoCommandLine
import Glibc
import JidoAudit
import JidoCore

/// `--format sarif`: SARIF 2.1.0 (OASIS), one run, for code-scanning dashboards.
///
/// `tool.driver.rules` lists every rule of `Rules.all` in order, so a result's `ruleIndex` is stable across
/// runs. Locations inside the home directory are relative to the base id `JIDO_HOME`, defined in
/// `run.originalUriBaseIds` as the home's `file://` URI (with a trailing slash); other paths (ancestors of home,
/// a baseline elsewhere) are absolute `file://` URIs. Relative paths are resolved against the working
/// directory. A path is written in its printed form (`DisplayText`: the one escaping of every output, so a name
/// that is not UTF-8 is `\xHH` there too), then every byte of that outside `A-Z a-z 0-9 - . _ ~ /` is
/// percent-encoded (UTF-8, upper-case hex). Home, the working directory and the findings' paths are all taken in
/// that form, so they compare alike.
/// A result's `message.text` is the finding's message (made a sentence) followed by `Fix:` and the rule's help.
/// A suppressed finding is still a result, with `suppressions: [{kind: "external", status: "accepted",
/// justification: reason, properties: {source, expires}}]` (SARIF 2.1.0 §3.35): the suppression lives outside
/// the audited files, in `--ignore` or the suppressions file.
///
/// For code-scanning services: each rule has a `helpUri` (its row of README's rules table) and
/// `properties.security-severity` (GitHub's 0.0–10.0 scale, from the severity); each result has
/// `partialFingerprints["jidoAudit/v1"]`, which is the same in every run that reports the same problem
/// (see `fingerprint`), so a service tracks it across runs instead of opening a new alert each time.
enum SARIFRenderer {
    static let homeBaseID = "JIDO_HOME"
    /// Where README.md is published; a rule's `helpUri` is this with `#<id in lower case>` (the anchor of its
    /// row in the rules table).
    static let readmeURI = "https://github.com/jidoguard/jidoguard/blob/main/README.md"
    /// The key of `partialFingerprints`; the version changes if the fingerprint's definition ever does.
    static let fingerprintKey = "jidoAudit/v1"

    static func helpURI(_ rule: Rule) -> String { readmeURI + "#" + rule.id.lowercased() }

    /// GitHub code scanning's `security-severity` (critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0).
    static func securitySeverity(_ severity: Severity) -> String {
        switch severity {
        case .error: "8.0"
        case .warning: "5.0"
        case .note: "2.0"
        }
    }

    /// Hex SHA-256 of the rule id, the path relative to the data directory (`.` for the directory itself; a path
    /// outside it as the audit saw it) and the finding's rank among the findings of that rule and path, separated
    /// by NUL bytes. Nothing that changes between runs (inode, time, size, message) is part of it.
    static func fingerprint(_ finding: Finding, dataDirectory: String, occurrence: Int) -> String? {
        let directory = Array(dataDirectory.utf8)
        var path = finding.pathBytes
        if path == directory {
            path = Array(".".utf8)
        } else if !directory.isEmpty, path.count > directory.count + 1, path.starts(with: directory + [UInt8(ascii: "/")]) {
            path = Array(path[(directory.count + 1)...])
        }
        let input = Array(finding.rule.id.utf8) + [0] + path + [0] + Array(String(occurrence).utf8)
        return (try? SHA256.hash(input)).map(Hex.lowercase)
    }

    static func render(_ report: AuditReport) -> String {
        render(report, workingDirectory: currentDirectory())
    }

    /// `executionSuccessful`, and when the audit could not run, the reason as an error notification.
    static func invocation(_ report: AuditReport) -> JSONObject {
        var invocation = JSONObject([("executionSuccessful", .bool(report.failure == nil))])
        if let failure = report.failure {
            invocation["toolExecutionNotifications"] = .array([.object(JSONObject([
                ("level", .string("error")), ("message", text(failure)),
            ]))])
        }
        return invocation
    }

    /// `workingDirectory` resolves relative paths; when nil they stay relative references.
    static func render(_ report: AuditReport, workingDirectory: String?) -> String {
        let locator = FileLocator(home: DisplayText.escape(bytes: report.homePath.bytes), workingDirectory: workingDirectory)
        let ruleIndex = Dictionary(Rules.all.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var occurrences: [[UInt8]: Int] = [:]
        let results = report.sortedFindings.map { finding -> JSONValue in
            var result = JSONObject([
                ("ruleId", .string(finding.rule.id)),
                ("level", .string(finding.severity.rawValue)),
                ("message", text(sentence(finding.displayMessage) + " Fix: " + finding.rule.help)),
                ("locations", .array([.object(JSONObject([
                    ("physicalLocation", .object(JSONObject([("artifactLocation", .object(locator.artifactLocation(finding.displayPath)))]))),
                ]))])),
            ])
            if let index = ruleIndex[finding.rule.id] { result["ruleIndex"] = .integer(JSONInteger(index)) }
            if let suppression = finding.suppression { result["suppressions"] = .array([.object(Self.suppression(suppression))]) }
            let key = Array(finding.rule.id.utf8) + [0] + finding.pathBytes
            let occurrence = occurrences[key, default: 0]
            occurrences[key] = occurrence + 1
            if let fingerprint = fingerprint(finding, dataDirectory: report.dataDirectory, occurrence: occurrence) {
                result["partialFingerprints"] = .object(JSONObject([(fingerprintKey, .string(fingerprint))]))
            }
            return .object(result)
        }
        var run = JSONObject([
            ("tool", .object(JSONObject([("driver", .object(driver()))]))),
            ("invocations", .array([.object(invocation(report))])),
            ("results", .array(results)),
        ])
        var properties = JSONObject()
        if let hostname = report.hostname { properties["hostname"] = .string(DisplayText.escape(hostname)) }
        if let suggestion = report.hostnameSuggestion { properties["hostnameSuggestion"] = .string(DisplayText.escape(suggestion)) }
        if report.unlistedCount > 0 { properties["findingsNotListed"] = .integer(JSONInteger(report.unlistedCount)) }
        if !properties.isEmpty { run["properties"] = .object(properties) }
        if let base = locator.homeURI {
            run["originalUriBaseIds"] = .object(JSONObject([(homeBaseID, .object(JSONObject([("uri", .string(base))])))]))
        }
        return JSONText.render(.object(JSONObject([
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("version", .string("2.1.0")),
            ("runs", .array([.object(run)])),
        ])))
    }

    private static func driver() -> JSONObject {
        JSONObject([
            ("name", .string("jido-audit")),
            ("version", .string(JidoCore.version)),
            ("rules", .array(Rules.all.map { rule in
                .object(JSONObject([
                    ("id", .string(rule.id)),
                    ("name", .string(rule.name)),
                    ("shortDescription", text(rule.summary)),
                    ("fullDescription", text(rule.summary + " Fix: " + rule.help)),
                    ("help", text(rule.help)),
                    ("helpUri", .string(helpURI(rule))),
                    ("defaultConfiguration", .object(JSONObject([("level", .string(rule.severity.rawValue))]))),
                    ("properties", .object(JSONObject([
                        ("tags", .array([.string("security")])),
                        ("security-severity", .string(securitySeverity(rule.severity))),
                    ]))),
                ]))
            })),
        ])
    }

    static func suppression(_ suppression: Suppression) -> JSONObject {
        var properties = JSONObject([("source", .string(suppression.source))])
        if let expires = suppression.expires { properties["expires"] = .string(expires) }
        return JSONObject([
            ("kind", .string("external")),
            ("status", .string("accepted")),
            ("justification", .string(DisplayText.escape(suppression.reason))),
            ("properties", .object(properties)),
        ])
    }

    private static func text(_ value: String) -> JSONValue { .object(JSONObject([("text", .string(value))])) }

    /// `message` ending with a full stop, so that " Fix: …" starts a new sentence.
    static func sentence(_ message: String) -> String {
        guard let last = message.last, !".!?".contains(last) else { return message }
        return message + "."
    }

    /// The working directory in its printed form (`DisplayText`), like every path the locator compares.
    private static func currentDirectory() -> String? {
        guard let buffer = getcwd(nil, 0) else { return nil }
        defer { free(buffer) }
        return DisplayText.escape(bytes: UnsafeRawBufferPointer(start: buffer, count: strlen(buffer)))
    }
}

extension SARIFRenderer {
    /// Turns audit paths into SARIF artifact locations: relative to `JIDO_HOME` inside home, `file://` outside.
    struct FileLocator {
        /// Segments of home: absolute, unless home is relative and the working directory is unknown.
        private let homeSegments: [String]
        /// `file:///…/home/`, or nil when home cannot be made absolute.
        let homeURI: String?
        private let workingDirectory: String?

        init(home: String, workingDirectory: String?) {
            self.workingDirectory = workingDirectory
            if let absolute = Self.absoluteSegments(home, workingDirectory: workingDirectory) {
                homeSegments = absolute
                homeURI = "file://" + Self.encodedPath(absolute) + (absolute.isEmpty ? "" : "/")
            } else {
                homeSegments = Self.segments(home)
                homeURI = nil
            }
        }

        /// `{uri, uriBaseId}` for paths strictly inside home, `{uri: "file:///…"}` for others, and a bare relative
        /// reference only when a relative path cannot be resolved.
        func artifactLocation(_ path: String) -> JSONObject {
            let absolute = Self.absoluteSegments(path, workingDirectory: workingDirectory)
            let segments = absolute ?? Self.segments(path)
            if segments.count > homeSegments.count,
               zip(segments, homeSegments).allSatisfy({ $0.utf8.elementsEqual($1.utf8) }),
               homeURI != nil || absolute == nil {
                let relative = segments[homeSegments.count...].map(Self.encoded).joined(separator: "/")
                return JSONObject([("uri", .string(relative)), ("uriBaseId", .string(SARIFRenderer.homeBaseID))])
            }
            guard let absolute else { return JSONObject([("uri", .string(segments.map(Self.encoded).joined(separator: "/")))]) }
            return JSONObject([("uri", .string("file://" + Self.encodedPath(absolute)))])
        }

        /// Path segments without empty and `.` segments (`..` is kept: it is not lexically removable).
        static func segments(_ path: String) -> [String] {
            path.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        }

        static func absoluteSegments(_ path: String, workingDirectory: String?) -> [String]? {
            if path.utf8.first == UInt8(ascii: "/") { return segments(path) }
            guard let workingDirectory, workingDirectory.utf8.first == UInt8(ascii: "/") else { return nil }
            return segments(workingDirectory) + segments(path)
        }

        /// `/a/b` for segments `[a, b]`, `/` for none, each segment percent-encoded.
        static func encodedPath(_ segments: [String]) -> String {
            "/" + segments.map(encoded).joined(separator: "/")
        }

        /// Percent-encodes every UTF-8 byte except RFC 3986 unreserved characters.
        static func encoded(_ segment: String) -> String {
            let hex = Array("0123456789ABCDEF".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(segment.utf8.count)
            for byte in segment.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    out.append(byte)
                default:
                    out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
