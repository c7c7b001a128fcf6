package import JidoCore
package import JidoToolSupport

/// `--otp 25|27[|any]`: the Erlang/OTP family whose member order is meant.
package enum BeamOrderOption {
    package static let spec = OptionSpec.value("--otp", "25|27", "Erlang/OTP family of the JidoCode meant (default: 27, as JidoCode pins OTP 28).")

    package static func parse(_ arguments: ParsedArguments, allowAny: Bool) throws(UsageError) -> [BeamOrder] {
        let choices = allowAny ? ["25", "27", "any"] : ["25", "27"]
        switch try ArgumentParser.choice(arguments, "--otp", choices, default: allowAny ? "any" : "27") {
        case "25": return [.otp25]
        case "27": return [.otp27]
        default: return SessionSignature.allOrders
        }
    }
}
