import JidoCore

/// `jido-audit canonical FILE`: the exact bytes JidoCode signs for FILE.
struct CanonicalCommand: Subcommand {
    static let spec = CommandSpec(
        name: "canonical",
        summary: "Print the bytes that are signed for a file (its canonical form without the signature).",
        options: [], positionalName: "FILE", minimumPositionals: 1, maximumPositionals: 1,
        discussion: """
        Any JSON document is accepted. The output has no trailing newline, so it can be piped to
        `openssl dgst -sha256 -hmac`. Exit status 1 (with the reason on stderr) when FILE does not decode.
        """)

    let file: String

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        file = arguments.positionals[0]
    }

    func run(_ io: CommandIO) -> ExitCode {
        let limits = JSONLimits.default
        do throws(FileReadError) {
            let (bytes, _) = try CheckedFileReader.read(path: file, policy: FilePolicy(maxBytes: limits.maxInputBytes))
            let value: JSONValue
            do throws(JSONDecodingError) {
                value = try StrictJSONDecoder(limits: limits).decode(bytes).value
            } catch {
                io.err("jido-audit canonical: \(file): \(error)\n")
                return .findings
            }
            do throws(CanonicalEncodingError) {
                io.out(String(decoding: try CanonicalJSON.encode(value, omittingTopLevelKey: SessionSignature.memberName), as: UTF8.self))
            } catch {
                io.err("jido-audit canonical: \(file): \(error)\n")
                return .findings
            }
            return .success
        } catch {
            io.err("jido-audit canonical: \(file): \(error)\n")
            return .findings
        }
    }
}
