import JidoCore

/// A subcommand's results, in the order they are printed: counts stay integers, measurements keep
/// `decimals` places, keys are never truncated. One table for the text output and `--json`.
struct Figures {
    enum Figure {
        case count(Int)
        case value(Double, decimals: Int)
        case text(String)
        case group(Figures)
        case rows([Figures])
    }

    private(set) var entries: [(key: String, figure: Figure)] = []

    init() {}

    /// `values` sorted by key; those named in `counts` are integers (a count, not a measurement).
    init(_ values: [String: Double], counts: Set<String> = [], decimals: Int = 3) {
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            if counts.contains(key), let count = Int(exactly: value.rounded()) { add(key, count) } else { add(key, value, decimals: decimals) }
        }
    }

    mutating func add(_ key: String, _ count: Int) { entries.append((key, .count(count))) }
    mutating func add(_ key: String, _ value: Double, decimals: Int = 3) { entries.append((key, .value(value, decimals: decimals))) }
    mutating func add(_ key: String, _ text: String) { entries.append((key, .text(text))) }
    mutating func add(_ key: String, _ group: Figures) { entries.append((key, .group(group))) }
    mutating func add(_ key: String, rows: [Figures]) { entries.append((key, .rows(rows))) }

    /// `key  value` lines, keys padded to the longest one; nested groups indented under their key.
    func text(indent: String = "") -> String {
        let width = entries.map(\.key.count).max() ?? 0
        var lines: [String] = []
        for (key, figure) in entries {
            let label = indent + key + String(repeating: " ", count: width - key.count + 2)
            switch figure {
            case let .count(count): lines.append(label + String(count))
            case let .value(value, decimals): lines.append(label + format(value, decimals))
            case let .text(text): lines.append(label + text)
            case let .group(group): lines.append(indent + key + ":"); lines.append(group.text(indent: indent + "  "))
            case let .rows(rows):
                lines.append(indent + key + ":")
                for (n, row) in rows.enumerated() { lines.append(indent + "  [\(n)]"); lines.append(row.text(indent: indent + "    ")) }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The figures as one JSON object (measurements rounded to their places).
    var jsonValue: JSONValue {
        var object = JSONObject()
        for (key, figure) in entries {
            switch figure {
            case let .count(count): object[key] = .integer(JSONInteger(count))
            case let .value(value, decimals):
                object[key] = value.isFinite ? .float(Double(format(value, decimals)) ?? value) : .null
            case let .text(text): object[key] = .string(text)
            case let .group(group): object[key] = group.jsonValue
            case let .rows(rows): object[key] = .array(rows.map(\.jsonValue))
            }
        }
        return .object(object)
    }

    /// The JSON text of `jsonValue` (canonical: sorted keys, two-space indent).
    var json: String {
        let bytes = (try? CanonicalJSON.encode(jsonValue)) ?? Array("null".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Prints the figures as JSON or as text.
    func print(json: Bool) {
        Swift.print(json ? self.json : text())
    }
}
