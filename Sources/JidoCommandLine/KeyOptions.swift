import JidoAudit
package import JidoCore
package import JidoToolSupport

/// The options that choose the signing key, shared by every subcommand that verifies.
package struct KeyOptions {
    package static let specs: [OptionSpec] = [
        .path("--home", "DIR", "Home directory whose .jido_code/ holds the data (default: $JIDO_HOME, then $HOME)."),
        .path("--secret-file", "FILE", "Machine secret to use instead of <home>/.jido_code/machine_secret."),
        .value("--hostname", "NAME", "Hostname the store was signed on (default: this machine's, as JidoCode reads it: up to the first dot)."),
    ]

    package let home: PathBytes
    package let secretFile: PathBytes?
    package let hostname: String?

    package init(_ parsed: ParsedArguments, io: CommandIO) throws(UsageError) {
        // An empty variable counts as unset (an empty JIDO_HOME must not hide HOME). The bytes of a
        // path variable when the process has them (`pathVariables`), else its text.
        let environment = { (name: String) in
            (io.pathVariables[name] ?? io.environment[name].map { PathBytes($0) }).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let home = parsed.path("--home") ?? environment("JIDO_HOME") ?? environment("HOME"), !home.isEmpty else {
            throw UsageError("no home directory: set HOME or pass --home DIR")
        }
        self.home = home
        self.secretFile = parsed.path("--secret-file")
        self.hostname = parsed.value("--hostname")
        if let hostname, hostname.isEmpty { throw UsageError("--hostname needs a non-empty name") }
    }

    /// The data directory `<home>/.jido_code`.
    package var dataDirectory: PathBytes { StoreLayout.dataPath(home: home) }

    /// The key, the hostname it was derived with, and a way to derive the key of the same secret
    /// for another hostname (to find the one a store was signed under).
    package struct SigningKey {
        package let key: SessionKey
        package let hostname: String
        package let derive: (String) -> SessionKey?
    }

    /// The secret file used: `--secret-file`, else `<home>/.jido_code/machine_secret`.
    package var secretPath: PathBytes { secretFile ?? dataDirectory.appending(StoreLayout.secretFile) }

    /// Reads the secret (never creates one); the error text names the fix.
    package func machineSecret() -> Result<MachineSecret, KeyError> {
        do throws(MachineSecretError) {
            if let secretFile { return .success(try MachineSecret.load(file: secretFile)) }
            return .success(try MachineSecret.load(home: home))
        } catch {
            return .failure(KeyError(message: DisplayText.escape("machine secret: " + error.description(path: "\0"), insertingAtNUL: error.pathBytes.bytes)))
        }
    }

    /// Reads the secret (never creates one) and derives the key; the error text names the fix.
    package func sessionKey() -> Result<SigningKey, KeyError> {
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
            return .failure(KeyError(message: DisplayText.escape("cannot derive the signing key: \(error)")))
        }
    }
}

package struct KeyError: Error {
    /// Printed as is: already escaped (`DisplayText`).
    package let message: String
}
