/// What a shell may offer for an option's value or a positional argument, read from its declared name (so
/// completions follow `--help`): `a|b|c` in lower case lists the choices, `DIR` directories, `FILE...` files,
/// `USER...` user names; any other name (`N`, `NAME`) offers nothing.
package enum ValueCompletion: Equatable {
    case choices([String])
    case directories
    case files
    case users
    case nothing

    package init(_ valueName: String) {
        let parts = valueName.split(separator: "|").map(String.init)
        if parts.count > 1, parts.allSatisfy({ part in !part.isEmpty && part.allSatisfy { $0.isLowercase || $0.isNumber } }) {
            self = .choices(parts)
        } else if valueName == "DIR" {
            self = .directories
        } else if valueName.hasPrefix("FILE") {
            self = .files
        } else if valueName.hasPrefix("USER") {
            self = .users
        } else {
            self = .nothing
        }
    }
}

extension CommandSpec {
    /// What the positional arguments complete to (nothing when the command takes none).
    package var positionalCompletion: ValueCompletion {
        guard maximumPositionals > 0, let positionalName else { return .nothing }
        return ValueCompletion(positionalName)
    }
}
