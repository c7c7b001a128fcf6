import JidoCommandLine
import JidoCore
import JidoAudit
import JidoToolSupport

/// `jido-audit canonical FILE`: the exact bytes JidoCode signs for FILE; with `--hmac`, their HMAC under this
/// machine's key (what the file's `signature` must be), never the key itself.
struct CanonicalCommand: Subcommand {
    static let spec = CommandSpec(
        name: "canonical",
        summary: "Print the bytes that are signed for a file (its canonical form without the signature), or their HMAC.",
        options: [BeamOrderOption.spec,
                  .flag("--hmac", "Print the base64 HMAC-SHA256 of those bytes under the signing key (the key is never printed).")]
            + KeyOptions.specs.map { OptionSpec(name: $0.name, valueName: $0.valueName, help: "With --hmac: " + $0.help, isPath: $0.isPath) },
        positionalName: "FILE|-", minimumPositionals: 1, maximumPositionals: 1,
        discussion: """
        Any JSON document is accepted (- reads standard input). The bytes are those JidoCode signs on the
        given Erlang/OTP family (--otp; they differ only in objects of more than 32 members, which JidoCode
        writes in the BEAM's hash order). The output has no trailing newline. With --hmac the output is the
        HMAC in base64 and a newline: a session is intact when it equals the file's "signature".
        To check with other tools see README, "Checking a signature by hand": openssl kdf, then openssl mac
        (never 'openssl dgst -hmac', which takes the key as text and gives another MAC).
        Exit status: 0, 1 FILE does not decode or is larger than JidoCode's 10 MiB (the reason on stderr),
        2 usage error, 3 FILE cannot be read or (with --hmac) no usable key.
        """)

    let file: PathBytes
    let order: BeamOrder
    /// The key to authenticate the bytes with (`--hmac`), else nil: the bytes themselves are printed.
    let keyOptions: KeyOptions?

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        file = arguments.positionals[0]
        order = try BeamOrderOption.parse(arguments, allowAny: false).first ?? .jidoCodeDefault
        if arguments.flag("--hmac") {
            keyOptions = try KeyOptions(arguments, io: io)
        } else {
            if let keyOption = KeyOptions.specs.first(where: { arguments.value($0.name) != nil }) {
                throw UsageError("\(keyOption.name) goes with --hmac")
            }
            keyOptions = nil
        }
    }

    func run(_ io: CommandIO) -> ExitCode {
        let limits = JSONLimits.default
        let name = file == "-" ? "standard input" : DisplayText.escape(bytes: file.bytes)
        // The key first: a missing secret is reported before the file is read (standard input is read once).
        var signing: KeyOptions.SigningKey?
        if let keyOptions {
            switch keyOptions.sessionKey() {
            case let .success(derived): signing = derived
            case let .failure(error):
                io.err("jido-audit canonical: \(error.message)\n")
                return .cannotRun
            }
        }
        let bytes: [UInt8]
        switch FileArgument.read(file, limit: limits.maxInputBytes) {
        case let .success(read): bytes = read
        case let .failure(problem) where problem.tooLarge:
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(problem.description))\n")
            return .findings
        case let .failure(problem):
            io.err("jido-audit canonical: cannot read \(name): \(DisplayText.escape(problem.description))\n")
            return .cannotRun
        }
        let value: JSONValue
        do throws(JSONDecodingError) {
            value = try StrictJSONDecoder(limits: limits).decode(bytes).value
        } catch {
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(error.description))\n")
            return .findings
        }
        let canonical: [UInt8]
        do throws(CanonicalEncodingError) {
            canonical = try CanonicalJSON.encode(value, omittingTopLevelKey: SessionSignature.memberName, order: order)
        } catch {
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(error.description))\n")
            return .findings
        }
        guard let signing else {
            io.out(String(decoding: canonical, as: UTF8.self))
            return .success
        }
        do {
            io.out(try HMACSHA256.authenticationCode(for: canonical, key: signing.key).base64 + "\n")
            return .success
        } catch {
            io.err("jido-audit canonical: cannot compute the HMAC: \(error)\n")
            return .cannotRun
        }
    }
}
