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
enum SARIFRenderer {
    static let homeBaseID = "JIDO_HOME"

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
                    ("defaultConfiguration", .object(JSONObject([("level", .string(rule.severity.rawValue))]))),
                    ("properties", .object(JSONObject([("tags", .array([.string("security")]))]))),
                ]))
            })),
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
