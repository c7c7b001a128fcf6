/// The small parser of `jido-bench` and `jido-stress`: `--name value`, `--name=value` and `--flag`,
/// each at most once; a value may be neither empty nor start with `--`; positional arguments and
/// unknown options are usage errors. `-h`/`--help` only where `acceptsHelp` is set.
public struct ToolArguments {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// True when `-h` or `--help` was given (and accepted).
    public private(set) var wantsHelp = false

    public init(_ argv: ArraySlice<String>, values valueNames: Set<String>, flags flagNames: Set<String> = [],
                acceptsHelp: Bool = false) throws(UsageError) {
        var rest = argv
        while let argument = rest.popFirst() {
            if acceptsHelp, argument == "-h" || argument == "--help" {
                wantsHelp = true
                continue
            }
            guard argument.hasPrefix("--"), argument.count > 2 else { throw UsageError("unexpected argument '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flagNames.contains(name) {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                guard flags.insert(name).inserted else { throw UsageError("--\(name) given twice") }
            } else if valueNames.contains(name) {
                guard values[name] == nil else { throw UsageError("--\(name) given twice") }
                guard let value = inline ?? rest.popFirst(), !value.isEmpty, !value.hasPrefix("--") else {
                    throw UsageError("--\(name) needs a value")
                }
                values[name] = value
            } else {
                throw UsageError("unknown option '--\(name)'")
            }
        }
    }

    /// The raw value of `name`, nil when absent (never empty).
    public func value(_ name: String) -> String? { values[name] }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// A required value.
    public func required(_ name: String) throws(UsageError) -> String {
        guard let value = values[name] else { throw UsageError("--\(name) is required") }
        return value
    }

    /// A decimal integer in `range`, or `defaultValue` when the option is absent.
    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("--\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// An unsigned 64-bit decimal integer, nil when the option is absent.
    public func unsigned(_ name: String) throws(UsageError) -> UInt64? {
        guard let text = values[name] else { return nil }
        guard let value = UInt64(text) else { throw UsageError("--\(name) must be an unsigned 64-bit integer, not '\(text)'") }
        return value
    }

    /// A number of seconds in [0, 10^7], nil when the option is absent.
    public func seconds(_ name: String) throws(UsageError) -> Double? {
        guard let text = values[name] else { return nil }
        guard let value = Double(text), value.isFinite, value >= 0, value <= 1e7 else {
            throw UsageError("--\(name) must be a number of seconds, not '\(text)'")
        }
        return value
    }
}
