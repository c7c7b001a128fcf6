import JidoToolSupport

/// A command-line option: a flag (`valueName == nil`) or an option that takes one value.
struct OptionSpec: Sendable {
    let name: String
    let valueName: String?
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, valueName: nil, help: help) }
    static func value(_ name: String, _ valueName: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help)
    }
}

/// What a subcommand accepts; usage and help text are generated from it, so they cannot drift.
struct CommandSpec: Sendable {
    let name: String
    let summary: String
    let options: [OptionSpec]
    /// The positional arguments' name for the usage line (`FILE...`), and how many are required.
    let positionalName: String?
    let minimumPositionals: Int
    let maximumPositionals: Int
    let discussion: String

    var usage: String {
        var parts = ["jido-audit", name]
        for option in options { parts.append(option.valueName.map { "[\(option.name) \($0)]" } ?? "[\(option.name)]") }
        if let positionalName { parts.append(positionalName) }
        return parts.joined(separator: " ")
    }

    var help: String {
        var lines = ["\(summary)", "", "Usage: \(usage)", "", "Options:"]
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

/// The parsed command line of one subcommand.
struct ParsedArguments: Sendable {
    /// Each option's values in command-line order (`value` is the last one).
    var values: [String: [String]] = [:]
    var flags: Set<String> = []
    var positionals: [String] = []
    var wantsHelp = false

    func value(_ name: String) -> String? { values[name]?.last }
    /// Every value of an option that may be repeated (`--ignore A --ignore B`).
    func allValues(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
}

enum ArgumentParser {
    /// Parses `--name value`, `--name=value`, flags, `--` and positionals against `spec`.
    static func parse(_ arguments: [String], spec: CommandSpec) throws(UsageError) -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            if argument == "-h" || argument == "--help" {
                parsed.wantsHelp = true
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '\(name)' for '\(spec.name)'")
            }
            if option.valueName == nil {
                guard inlineValue == nil else { throw UsageError("option '\(name)' takes no value") }
                parsed.flags.insert(name)
                continue
            }
            if let inlineValue {
                parsed.values[name, default: []].append(inlineValue)
            } else {
                guard index < arguments.count else { throw UsageError("option '\(name)' needs a value") }
                parsed.values[name, default: []].append(arguments[index])
                index += 1
            }
        }
        if parsed.wantsHelp { return parsed }
        guard parsed.positionals.count >= spec.minimumPositionals else {
            throw UsageError("'\(spec.name)' needs \(spec.positionalName ?? "more arguments")")
        }
        guard parsed.positionals.count <= spec.maximumPositionals else {
            if spec.maximumPositionals == 0 {
                throw UsageError("'\(spec.name)' takes no arguments, only options (unexpected '\(parsed.positionals[0])')")
            }
            throw UsageError("'\(spec.name)' takes at most \(spec.maximumPositionals) \(spec.positionalName ?? "arguments")")
        }
        return parsed
    }

    /// The value of an integer option within `range`.
    static func integer(_ parsed: ParsedArguments, _ name: String, default value: Int, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = parsed.value(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// The value of an option restricted to `choices`.
    static func choice(_ parsed: ParsedArguments, _ name: String, _ choices: [String], default value: String) throws(UsageError) -> String {
        let chosen = parsed.value(name) ?? value
        guard choices.contains(chosen) else {
            throw UsageError("\(name) must be one of \(choices.joined(separator: ", ")), not '\(chosen)'")
        }
        return chosen
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
