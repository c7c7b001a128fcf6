import JidoAudit
package import JidoCore
package import JidoToolSupport

/// A command-line option: a flag (`valueName == nil`) or an option that takes one value: text
/// (UTF-8, refused otherwise) or a path (any bytes, kept as bytes).
package struct OptionSpec: Sendable {
    package let name: String
    package let valueName: String?
    package let help: String
    package var isPath = false

    package init(name: String, valueName: String?, help: String, isPath: Bool = false) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.isPath = isPath
    }

    package static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, valueName: nil, help: help) }
    package static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }
    /// An option whose value is a file or directory: its bytes are passed to the kernel as they are.
    package static func path(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, isPath: true)
    }
}

/// What a subcommand accepts; usage and help text are generated from it, so they cannot drift.
package struct CommandSpec: Sendable {
    package let name: String
    package let summary: String
    package let options: [OptionSpec]
    /// The positional arguments' name for the usage line (`FILE...`), and how many are required.
    package let positionalName: String?
    package let minimumPositionals: Int
    package let maximumPositionals: Int
    package let discussion: String

    package init(name: String, summary: String, options: [OptionSpec], positionalName: String?, minimumPositionals: Int,
                 maximumPositionals: Int, discussion: String) {
        self.name = name
        self.summary = summary
        self.options = options
        self.positionalName = positionalName
        self.minimumPositionals = minimumPositionals
        self.maximumPositionals = maximumPositionals
        self.discussion = discussion
    }

    /// `program name [options] POSITIONALS`.
    package func usage(program: String) -> String {
        var parts = [program, name]
        for option in options { parts.append(option.valueName.map { "[\(option.name) \($0)]" } ?? "[\(option.name)]") }
        if let positionalName { parts.append(positionalName) }
        return parts.joined(separator: " ")
    }

    package func help(program: String) -> String {
        var lines = ["\(summary)", "", "Usage: \(usage(program: program))", "", "Options:"]
        let labels = options.map { option in option.valueName.map { "\(option.name) \($0)" } ?? option.name }
        let width = max(labels.map(\.count).max() ?? 0, "-h, --help".count) + 2
        for (label, option) in zip(labels, options) {
            lines.append("  " + label.padding(to: width) + option.help)
        }
        lines.append("  " + "-h, --help".padding(to: width) + "Show this help.")
        if !discussion.isEmpty { lines += ["", discussion] }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The parsed command line of one subcommand. Positionals are paths (kept as bytes).
package struct ParsedArguments: Sendable {
    /// Each option's values in command-line order (`value` is the last one).
    package var values: [String: [String]] = [:]
    /// Path options, as bytes (the last one given).
    package var paths: [String: PathBytes] = [:]
    package var flags: Set<String> = []
    package var positionals: [PathBytes] = []
    package var wantsHelp = false

    package func value(_ name: String) -> String? { values[name]?.last }
    /// Every value of an option that may be repeated (`--ignore A --ignore B`).
    package func allValues(_ name: String) -> [String] { values[name] ?? [] }
    package func path(_ name: String) -> PathBytes? { paths[name] }
    package func flag(_ name: String) -> Bool { flags.contains(name) }
}

package enum ArgumentParser {
    /// Parses `--name value`, `--name=value`, flags, `--` and positionals against `spec`. The
    /// arguments are the bytes the process was given: option names and text values must be UTF-8;
    /// paths (positionals, path options) are kept byte for byte.
    package static func parse(_ arguments: [[UInt8]], spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        let dash = UInt8(ascii: "-")
        var parsed = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || argument.first != dash || argument == [dash] {
                parsed.positionals.append(PathBytes(bytes: argument))
                continue
            }
            if argument == [dash, dash] {
                onlyPositionals = true
                continue
            }
            if argument == Array("-h".utf8) || argument == Array("--help".utf8) {
                parsed.wantsHelp = true
                continue
            }
            var nameBytes = argument[...]
            var inlineValue: [UInt8]?
            if let equals = argument.firstIndex(of: UInt8(ascii: "=")) {
                nameBytes = argument[..<equals]
                inlineValue = Array(argument[(equals + 1)...])
            }
            guard let name = String(validating: nameBytes, as: UTF8.self),
                  let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '\(DisplayText.escape(bytes: nameBytes))' for '\(spec.name)'")
            }
            if option.valueName == nil {
                guard inlineValue == nil else { throw UsageError("option '\(name)' takes no value") }
                parsed.flags.insert(name)
                continue
            }
            let value: [UInt8]
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("option '\(name)' needs a value") }
                value = arguments[index]
                index += 1
            }
            if option.isPath {
                parsed.paths[name] = PathBytes(bytes: value)
            } else if let text = String(validating: value, as: UTF8.self) {
                parsed.values[name, default: []].append(text)
            } else {
                throw UsageError("option '\(name)' needs UTF-8 text, not '\(DisplayText.escape(bytes: value))'")
            }
        }
        if parsed.wantsHelp { return parsed }
        guard parsed.positionals.count >= spec.minimumPositionals else {
            throw UsageError("'\(spec.name)' needs \(spec.positionalName ?? "more arguments")")
        }
        guard parsed.positionals.count <= spec.maximumPositionals else {
            if spec.maximumPositionals == 0 {
                throw UsageError("'\(spec.name)' takes no arguments, only options (unexpected '\(DisplayText.escape(bytes: parsed.positionals[0].bytes))')")
            }
            throw UsageError("'\(spec.name)' takes at most \(spec.maximumPositionals) \(spec.positionalName ?? "arguments")")
        }
        return parsed
    }

    /// The value of an integer option within `range`.
    package static func integer(_ parsed: ParsedArguments, _ name: String, default value: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = parsed.value(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// The value of an option restricted to `choices`.
    package static func choice(_ parsed: ParsedArguments, _ name: String, _ choices: [String], default value: String) throws(UsageError) -> String {
        let chosen = parsed.value(name) ?? value
        guard choices.contains(chosen) else {
            throw UsageError("\(name) must be one of \(choices.joined(separator: ", ")), not '\(chosen)'")
        }
        return chosen
    }
}

extension String {
    package func padding(to width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
