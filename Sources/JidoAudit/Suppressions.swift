import JidoCore

/// Why a finding does not count: the suppressions-file entry or `--ignore` that accepted it.
public struct Suppression: Sendable, Equatable {
    /// Why the finding is accepted, as the user wrote it.
    public let reason: String
    /// `config:LINE` (a line of the suppressions file) or `--ignore`.
    public let source: String
    /// The last day (`YYYY-MM-DD`, UTC) the entry suppresses; nil: no end.
    public let expires: String?
}

/// A suppressions file or `--ignore` list that cannot be used (exit status 2): the text names the
/// file, the line and the fix.
public struct SuppressionError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The findings a user accepted: rules ignored with `--ignore`, and the entries of a suppressions
/// file (`--config FILE`, by default `$XDG_CONFIG_HOME/jido-audit/config` or
/// `~/.config/jido-audit/config` when present).
///
/// A suppressed finding is never dropped: reports list it with its `Suppression`, the summary
/// counts it, and only its weight is gone (it does not count for `--fail-on`, and `--fix` leaves
/// its entry alone).
///
/// The file is UTF-8 text, at most 1 MiB and 1,000 entries, one entry per line; blank lines and
/// lines whose first non-blank character is `#` are ignored:
///
///     suppress rule=JG030 path=sessions/*.json reason="copied from the old laptop" expires=2027-01-31
///
/// An entry is the word `suppress` and `key=value` fields separated by blanks. A value is either
/// bare (no blank and no `"`) or double-quoted, where `\"` and `\\` are the only escapes. Fields:
/// - `rule`: a rule id, or several separated by commas (`JG030,JG031`);
/// - `path`: a pattern for the finding's path relative to the data directory (`machine_secret`,
///   `sessions/<id>.json`, `.` for the directory itself; a path outside it, such as home or a
///   baseline file, is matched as the absolute path the report shows). `*` matches any characters but
///   `/`, `?` one character but `/`, a whole `**` segment any number of segments, `\` quotes the next
///   character;
/// - `reason` (required): why the finding is accepted;
/// - `expires` (optional): `YYYY-MM-DD`, the last day (UTC) the entry applies; after it the entry
///   suppresses nothing and the audit reports it (JG090).
/// An entry needs `rule`, `path` or both; a finding is suppressed when it matches every one given.
/// Anything else (an unknown key or rule, a repeated key, a missing reason, an invalid date, a
/// control character) is an error naming the line.
public struct Suppressions: Sendable {
    /// One entry of the file.
    public struct Entry: Sendable {
        /// Line number in the file (from 1).
        public let line: Int
        /// Rule ids it applies to; empty: every rule.
        public let rules: [String]
        /// The path pattern as written; nil: every path.
        public let path: String?
        public let reason: String
        /// `YYYY-MM-DD`, as written.
        public let expires: String?
        let glob: PathGlob?
        /// `expires` as days since 1970-01-01.
        let expiryDay: Int?

        /// Whether the entry has expired on `today` (days since 1970-01-01, UTC).
        public func isExpired(today: Int) -> Bool { expiryDay.map { $0 < today } ?? false }

        func matches(ruleID: String, path: [UInt8]) -> Bool {
            (rules.isEmpty || rules.contains(ruleID)) && (glob?.matches(path) ?? true)
        }
    }

    public static let maxFileBytes = 1 << 20
    public static let maxEntries = 1000
    /// The reason given to findings of a rule named by `--ignore`.
    public static let ignoreReason = "ignored with --ignore"

    /// The suppressions file the entries come from (nil: none).
    public private(set) var file: String?
    public private(set) var entries: [Entry] = []
    /// Rule ids named by `--ignore`.
    public private(set) var ignoredRules: [String] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty && ignoredRules.isEmpty }

    // MARK: - Applying

    /// The suppression of a finding of `ruleID` at `path` (relative to the data directory, or
    /// absolute outside it) on `today` (days since 1970-01-01, UTC); nil when it counts.
    public func suppression(ruleID: String, path: [UInt8], today: Int) -> Suppression? {
        if ignoredRules.contains(ruleID) { return Suppression(reason: Self.ignoreReason, source: "--ignore", expires: nil) }
        for entry in entries where !entry.isExpired(today: today) && entry.matches(ruleID: ruleID, path: path) {
            return Suppression(reason: entry.reason, source: "config:\(entry.line)", expires: entry.expires)
        }
        return nil
    }

    /// The entries past their expiry date on `today`.
    public func expired(today: Int) -> [Entry] { entries.filter { $0.isExpired(today: today) } }

    // MARK: - --ignore

    /// Adds the rules of an `--ignore` value (`JG030` or `JG030,JG031`).
    public mutating func ignore(_ list: String) throws(SuppressionError) {
        do throws(SyntaxError) {
            ignoredRules += try Self.ruleList(list).filter { !ignoredRules.contains($0) }
        } catch {
            throw SuppressionError(description: "--ignore: \(error.text)")
        }
    }

    // MARK: - The file

    /// Where the suppressions file is looked for when `--config` is not given:
    /// `$XDG_CONFIG_HOME/jido-audit/config` when that variable is an absolute path, else
    /// `$HOME/.config/jido-audit/config`; nil without either.
    public static func defaultFile(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/jido-audit/config" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/jido-audit/config"
    }

    /// Reads and parses the suppressions file at `path` through the checked reader: it must be a regular
    /// file (a symbolic link is not followed), at most 1 MiB, owned by the effective user or root, with
    /// one link and no write permission for group or others (whoever can change it can hide findings).
    /// nil when it does not exist and `mustExist` is false (the default file is optional).
    public static func load(file path: String, mustExist: Bool) throws(SuppressionError) -> Suppressions? {
        let bytes: [UInt8]
        do {
            bytes = try CheckedFileReader.read(path: path, policy: FilePolicy(maxBytes: maxFileBytes, role: .configuration)).bytes
        } catch {
            if case .notFound = error, !mustExist { return nil }
            throw SuppressionError(description: "suppressions file \(DisplayText.escape(path)): \(refusal(error, path: path))")
        }
        return try parse(bytes, file: path)
    }

    private static func refusal(_ error: FileReadError, path: String) -> String {
        let name = DisplayText.escape(path)
        let why = "a file that others can change could hide findings"
        switch error {
        case .notFound: return "no such file"
        case .symbolicLink: return "is a symbolic link, which is never followed: name the file itself"
        case let .untrusted(.wrongType(type)): return "is a \(type.rawValue), not a regular file"
        case let .untrusted(.wrongOwner(owner, expected)):
            return "refused: it belongs to uid \(owner), and must belong to you (uid \(expected)) or root, as \(why) (chown it)"
        case let .untrusted(.hardLinked(count)): return "refused: it has \(count) hard links, and another name may be anyone's (copy it to a file of its own)"
        case let .untrusted(.writableByOthers(mode)), let .untrusted(.readableByOthers(mode)):
            return "refused: mode \(mode) lets group or others write to it, and \(why) (chmod go-w \(name))"
        case let .tooLarge(size, limit): return "\(size) bytes, more than the limit of \(limit)"
        case .changedWhileReading, .system: return "cannot be read: \(error)"
        }
    }

    /// Parses the text of a suppressions file (`file` names it in errors and findings).
    public static func parse(_ bytes: [UInt8], file: String) throws(SuppressionError) -> Suppressions {
        var suppressions = Suppressions()
        suppressions.file = file
        guard bytes.count <= maxFileBytes else {
            throw SuppressionError(description: "suppressions file \(DisplayText.escape(file)): more than \(maxFileBytes) bytes")
        }
        var number = 0
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            do throws(SyntaxError) {
                guard let entry = try parseLine(rawLine, number: number) else { continue }
                guard suppressions.entries.count < maxEntries else { throw SyntaxError("more than \(maxEntries) entries") }
                suppressions.entries.append(entry)
            } catch {
                throw SuppressionError(description: "suppressions file \(DisplayText.escape(file)), line \(number): \(error.text)")
            }
        }
        return suppressions
    }

    struct SyntaxError: Error {
        let text: String
        init(_ text: String) { self.text = text }
    }

    static let keys = ["rule", "path", "reason", "expires"]

    /// One line: nil for a blank line or a comment.
    static func parseLine(_ raw: ArraySlice<UInt8>, number: Int) throws(SyntaxError) -> Entry? {
        var bytes = raw
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        guard let line = String(validating: bytes, as: UTF8.self) else { throw SyntaxError("not UTF-8 text") }
        if let control = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) }) {
            throw SyntaxError("control character \(DisplayText.escape(String(control))) (write the text on one line, without control characters)")
        }
        var scanner = LineScanner(Array(line.unicodeScalars))
        scanner.skipBlanks()
        if scanner.atEnd || scanner.peek == "#" { return nil }
        let word = scanner.word()
        guard word == "suppress" else {
            throw SyntaxError("expected 'suppress rule=... path=... reason=\"...\" [expires=YYYY-MM-DD]' or a # comment, not '\(DisplayText.escape(word))'")
        }
        var fields: [String: String] = [:]
        while true {
            scanner.skipBlanks()
            if scanner.atEnd { break }
            let key = scanner.key()
            guard scanner.take("=") else { throw SyntaxError("expected key=value, not '\(DisplayText.escape(key))' without '='") }
            guard keys.contains(key) else {
                throw SyntaxError("unknown key '\(DisplayText.escape(key))' (the keys are \(keys.joined(separator: ", ")))")
            }
            guard fields[key] == nil else { throw SyntaxError("'\(key)' is given twice") }
            fields[key] = try scanner.value(key)
            guard scanner.atEnd || scanner.peekIsBlank else { throw SyntaxError("expected a blank after the value of '\(key)'") }
        }
        guard fields["rule"] != nil || fields["path"] != nil else { throw SyntaxError("an entry needs rule=, path= or both") }
        guard let reason = fields["reason"], !reason.allSatisfy(\.isWhitespace) else {
            throw SyntaxError("an entry needs reason=\"...\": say why the finding is accepted")
        }
        let rules = try fields["rule"].map { (text) throws(SyntaxError) in try ruleList(text) } ?? []
        let glob = try fields["path"].map { (text) throws(SyntaxError) in try PathGlob(text) }
        let expiryDay = try fields["expires"].map { (text) throws(SyntaxError) in try day(text) }
        return Entry(line: number, rules: rules, path: fields["path"], reason: reason, expires: fields["expires"],
                     glob: glob, expiryDay: expiryDay)
    }

    /// Known rule ids separated by commas.
    static func ruleList(_ text: String) throws(SyntaxError) -> [String] {
        var ids: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let id = String(part)
            guard Rules.all.contains(where: { $0.id == id }) else {
                throw SyntaxError(id.isEmpty ? "an empty rule id in '\(DisplayText.escape(text))'"
                    : "unknown rule '\(DisplayText.escape(id))' (rule ids are JG001 to \(Rules.all.last?.id ?? ""); see 'Rules' in the README)")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    /// `YYYY-MM-DD` (a real calendar date) as days since 1970-01-01.
    static func day(_ text: String) throws(SyntaxError) -> Int {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1, day <= ISO8601.daysIn(month: month, year: year) else {
            throw SyntaxError("expires must be a date YYYY-MM-DD, not '\(DisplayText.escape(text))'")
        }
        return ISO8601.daysSinceEpoch(year: year, month: month, day: day)
    }

    /// Walks one line's scalars.
    struct LineScanner {
        let scalars: [Unicode.Scalar]
        var index = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var atEnd: Bool { index >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }
        var peekIsBlank: Bool { peek == " " || peek == "\t" }

        mutating func skipBlanks() { while peekIsBlank { index += 1 } }

        mutating func take(_ scalar: Unicode.Scalar) -> Bool {
            guard peek == scalar else { return false }
            index += 1
            return true
        }

        /// Up to a blank.
        mutating func word() -> String { run { $0 != " " && $0 != "\t" } }

        /// Up to `=` or a blank.
        mutating func key() -> String { run { $0 != " " && $0 != "\t" && $0 != "=" } }

        mutating func run(while accepted: (Unicode.Scalar) -> Bool) -> String {
            var text = String.UnicodeScalarView()
            while let scalar = peek, accepted(scalar) {
                text.append(scalar)
                index += 1
            }
            return String(text)
        }

        /// A bare or double-quoted value.
        mutating func value(_ key: String) throws(SyntaxError) -> String {
            guard take("\"") else {
                let bare = run { $0 != " " && $0 != "\t" && $0 != "\"" }
                guard !bare.isEmpty else { throw SyntaxError("'\(key)=' has no value") }
                guard peek != "\"" else { throw SyntaxError("a '\"' inside the value of '\(key)': quote the whole value") }
                return bare
            }
            var text = String.UnicodeScalarView()
            while let scalar = peek {
                index += 1
                switch scalar {
                case "\"": return String(text)
                case "\\":
                    guard let escaped = peek, escaped == "\"" || escaped == "\\" else {
                        throw SyntaxError("in the value of '\(key)', '\\' must be followed by '\"' or '\\'")
                    }
                    text.append(escaped)
                    index += 1
                default: text.append(scalar)
                }
            }
            throw SyntaxError("the value of '\(key)' has no closing '\"'")
        }
    }
}

/// A path pattern of the suppressions file, matched segment by segment (`/`-separated): `*` any
/// characters but `/`, `?` one character but `/`, a whole `**` segment any number of segments, `\`
/// quotes the next character. Matching takes time proportional to the pattern's length times the
/// path's (the greedy backtracking of a single `*`, per segment and then per segment list): never
/// exponential, whatever the path.
struct PathGlob: Sendable {
    enum Token: Sendable, Equatable {
        case literal(UInt32)
        case one
        case any
    }

    enum Segment: Sendable, Equatable {
        case tokens([Token])
        case globstar
    }

    static let maxBytes = 4096
    let segments: [Segment]

    init(_ pattern: String) throws(Suppressions.SyntaxError) {
        guard pattern.utf8.count <= Self.maxBytes else { throw Suppressions.SyntaxError("the path pattern is longer than \(Self.maxBytes) bytes") }
        var segments: [Segment] = []
        var tokens: [Token] = []
        var raw = "" // the segment as written, to recognise an unquoted `**`
        var quoted = false
        var scalars = pattern.unicodeScalars.makeIterator()
        func close() {
            segments.append(raw == "**" && !quoted ? .globstar : .tokens(tokens))
            tokens = []
            raw = ""
            quoted = false
        }
        while let scalar = scalars.next() {
            switch scalar {
            case "/": close()
            case "*":
                raw.unicodeScalars.append(scalar)
                if tokens.last != .any { tokens.append(.any) }
            case "?":
                raw.unicodeScalars.append(scalar)
                tokens.append(.one)
            case "\\":
                guard let next = scalars.next() else { throw Suppressions.SyntaxError("the path pattern ends with a lone '\\'") }
                quoted = true
                raw.unicodeScalars.append(next)
                tokens.append(.literal(next.value))
            default:
                raw.unicodeScalars.append(scalar)
                tokens.append(.literal(scalar.value))
            }
        }
        close()
        self.segments = segments
    }

    /// Whether `path` (bytes; each byte of an ill-formed UTF-8 sequence is one character that only
    /// `?` and `*` match) matches.
    func matches(_ path: [UInt8]) -> Bool {
        let names = Self.units(path).split(separator: UInt32(UInt8(ascii: "/")), omittingEmptySubsequences: false)
        return Self.wildcardMatch(segments, names[...], isWildcard: { $0 == .globstar }) { segment, name in
            guard case let .tokens(tokens) = segment else { return false }
            return Self.wildcardMatch(tokens, name, isWildcard: { $0 == .any }) { token, unit in
                switch token {
                case let .literal(value): value == unit
                case .one: true
                case .any: false
                }
            }
        }
    }

    /// Greedy matching with one backtracking point (the last wildcard): `pattern` against `items`,
    /// where a wildcard matches any run of items and every other element exactly one, by `matchOne`.
    static func wildcardMatch<P, I>(_ pattern: [P], _ items: ArraySlice<I>, isWildcard: (P) -> Bool,
                                    matchOne: (P, I) -> Bool) -> Bool {
        let items = Array(items)
        var p = 0, i = 0
        var star = -1, starItem = 0
        while i < items.count {
            if p < pattern.count, isWildcard(pattern[p]) {
                star = p
                starItem = i
                p += 1
            } else if p < pattern.count, matchOne(pattern[p], items[i]) {
                p += 1
                i += 1
            } else if star >= 0 {
                p = star + 1
                starItem += 1
                i = starItem
            } else {
                return false
            }
        }
        while p < pattern.count, isWildcard(pattern[p]) { p += 1 }
        return p == pattern.count
    }

    /// Unicode scalar values, and 0x110000 + byte for each byte of an ill-formed sequence.
    static func units(_ bytes: [UInt8]) -> [UInt32] {
        var units: [UInt32] = []
        units.reserveCapacity(bytes.count)
        DisplayText.decode(bytes, scalar: { units.append($0.value) }, invalid: { units.append(0x110000 + UInt32($0)) })
        return units
    }
}
