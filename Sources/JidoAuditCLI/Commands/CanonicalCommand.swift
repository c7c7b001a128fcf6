import JidoCore
import JidoAudit
import JidoToolSupport

/// `jido-audit canonical FILE`: the exact bytes JidoCode signs for FILE.
struct CanonicalCommand: Subcommand {
    static let spec = CommandSpec(
        name: "canonical",
        summary: "Print the bytes that are signed for a file (its canonical form without the signature).",
        options: [BeamOrderOption.spec], positionalName: "FILE|-", minimumPositionals: 1, maximumPositionals: 1,
        discussion: """
        Any JSON document is accepted. The bytes are those JidoCode signs on the given Erlang/OTP
        family (--otp; they differ only in objects of more than 32 members, which JidoCode writes in
        the BEAM's hash order). The output has no trailing newline. Exit status 1 (with the reason on
        stderr) when FILE does not decode.
        """)

    let file: PathBytes
    let order: BeamOrder

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        file = arguments.positionals[0]
        order = try BeamOrderOption.parse(arguments, allowAny: false).first ?? .jidoCodeDefault
    }

    func run(_ io: CommandIO) -> ExitCode {
        let limits = JSONLimits.default
        let name = file == "-" ? "standard input" : DisplayText.escape(bytes: file.bytes)
        let bytes: [UInt8]
        switch Self.read(file, limit: limits.maxInputBytes) {
        case let .success(read): bytes = read
        case let .failure(problem):
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(problem.description))\n")
            return .findings
        }
        let value: JSONValue
        do throws(JSONDecodingError) {
            value = try StrictJSONDecoder(limits: limits).decode(bytes).value
        } catch {
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(error.description))\n")
            return .findings
        }
        do throws(CanonicalEncodingError) {
            io.out(String(decoding: try CanonicalJSON.encode(value, omittingTopLevelKey: SessionSignature.memberName, order: order), as: UTF8.self))
        } catch {
            io.err("jido-audit canonical: \(name): \(DisplayText.escape(error.description))\n")
            return .findings
        }
        return .success
    }

    struct ReadProblem: Error, CustomStringConvertible {
        let description: String
    }

    /// The bytes of `file`, or of standard input for `-`, at most `limit`.
    static func read(_ file: PathBytes, limit: Int) -> Result<[UInt8], ReadProblem> {
        if file == "-" {
            do throws(SystemCallError) {
                let (bytes, exceeded) = try FileDescriptor(rawValue: 0).readAll(limit: limit)
                return exceeded ? .failure(ReadProblem(description: "larger than \(limit) bytes")) : .success(bytes)
            } catch {
                return .failure(ReadProblem(description: "\(error)"))
            }
        }
        do throws(FileReadError) {
            return .success(try CheckedFileReader.read(path: file, policy: FilePolicy(maxBytes: limit)).bytes)
        } catch {
            return .failure(ReadProblem(description: "\(error)"))
        }
    }
}
