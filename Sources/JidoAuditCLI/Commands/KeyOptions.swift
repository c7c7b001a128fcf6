import JidoCore
import JidoToolSupport

/// The options that choose the signing key, shared by every subcommand that verifies.
struct KeyOptions {
    static let specs: [OptionSpec] = [
        .value("--home", "DIR", "Home directory whose .jido_code/ holds the data (default: $JIDO_HOME, then $HOME)."),
        .value("--secret-file", "FILE", "Machine secret to use instead of <home>/.jido_code/machine_secret."),
        .value("--hostname", "NAME", "Hostname the store was signed on (default: this machine's, as JidoCode reads it: up to the first dot)."),
    ]

    let home: String
    let secretFile: String?
    let hostname: String?

    init(_ parsed: ParsedArguments, io: CommandIO) throws(UsageError) {
        // An empty variable counts as unset (an empty JIDO_HOME must not hide HOME).
        let environment = { (name: String) in io.environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let home = parsed.value("--home") ?? environment("JIDO_HOME") ?? environment("HOME"), !home.isEmpty else {
            throw UsageError("no home directory: set HOME or pass --home DIR")
        }
        self.home = home
        self.secretFile = parsed.value("--secret-file")
        self.hostname = parsed.value("--hostname")
        if let hostname, hostname.isEmpty { throw UsageError("--hostname needs a non-empty name") }
    }

    /// The data directory `<home>/.jido_code`.
    var dataDirectory: String { StoreLayout.dataPath(home: home) }

    /// The key, the hostname it was derived with, and a way to derive the key of the same secret
    /// for another hostname (to find the one a store was signed under).
    struct SigningKey {
        let key: SessionKey
        let hostname: String
        let derive: (String) -> SessionKey?
    }

    /// The secret file used: `--secret-file`, else `<home>/.jido_code/machine_secret`.
    var secretPath: String { secretFile ?? StoreLayout.secretPath(home: home) }

    /// Reads the secret (never creates one); the error text names the fix.
    func machineSecret() -> Result<MachineSecret, KeyError> {
        do throws(MachineSecretError) {
            if let secretFile { return .success(try MachineSecret.load(file: secretFile)) }
            return .success(try MachineSecret.load(home: home))
        } catch {
            return .failure(KeyError(message: "machine secret: \(error)"))
        }
    }

    /// Reads the secret (never creates one) and derives the key; the error text names the fix.
    func sessionKey() -> Result<SigningKey, KeyError> {
        let secret: MachineSecret
        switch machineSecret() {
        case let .success(loaded): secret = loaded
        case let .failure(error): return .failure(error)
        }
        do {
            let name = try hostname ?? Hostname.current()
            return .success(SigningKey(key: try secret.sessionKey(hostname: name), hostname: name,
                                       derive: { try? secret.sessionKey(hostname: $0) }))
        } catch {
            return .failure(KeyError(message: "cannot derive the signing key: \(error)"))
        }
    }
}

struct KeyError: Error {
    let message: String
}
