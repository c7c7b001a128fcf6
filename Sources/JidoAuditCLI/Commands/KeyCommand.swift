import JidoCommandLine
import JidoAudit
import JidoCore
import JidoToolSupport

/// `jido-audit key`: which secret and hostname the signing key comes from, and the secret's fingerprint;
/// never the key or the secret.
struct KeyCommand: Subcommand {
    static let spec = CommandSpec(
        name: "key",
        summary: "Show which machine secret and hostname the signing key comes from, and the secret's fingerprint.",
        options: KeyOptions.specs + [.flag("--fingerprint", "Print only the secret's fingerprint.")],
        positionalName: nil, minimumPositionals: 0, maximumPositionals: 0,
        discussion: """
        Neither the secret nor the key is ever printed. The fingerprint is the first 16 hex characters of
        SHA-256 of "jido-audit secret fingerprint v1", a NUL byte and the secret file's exact bytes: compare it
        to tell secrets apart without revealing them.
        Exit status: 0, 2 usage error, 3 no usable secret.
        """)

    let keyOptions: KeyOptions
    let fingerprintOnly: Bool

    init(_ arguments: ParsedArguments, io: CommandIO) throws(UsageError) {
        keyOptions = try KeyOptions(arguments, io: io)
        fingerprintOnly = arguments.flag("--fingerprint")
    }

    func run(_ io: CommandIO) -> ExitCode {
        let fingerprint: String
        switch keyOptions.machineSecret() {
        case let .success(secret):
            do {
                fingerprint = try SecretFingerprint.of(secret: secret)
            } catch {
                io.err("jido-audit key: cannot hash the secret: \(error)\n")
                return .cannotRun
            }
        case let .failure(error):
            io.err("jido-audit key: \(error.message)\n")
            return .cannotRun
        }
        if fingerprintOnly {
            io.out(fingerprint + "\n")
            return .success
        }
        var hostname = keyOptions.hostname ?? ""
        do throws(CryptoError) {
            if keyOptions.hostname == nil { hostname = try Hostname.current() }
        } catch {
            io.err("jido-audit key: \(error)\n")
            return .cannotRun
        }
        io.out("""
        secret       \(DisplayText.escape(bytes: keyOptions.secretPath.bytes))
        fingerprint  \(fingerprint)
        hostname     \(DisplayText.escape(hostname).debugDescription)

        """)
        return .success
    }
}
