import JidoCore

/// JidoCode's fallback keys (`FallbackSecret`) for every hostname JidoCode could key with here and
/// every node name given, derived once, on first need (a PBKDF2 each): only a store with a failing
/// signature or a fallback-shaped secret pays for them.
struct FallbackKeys: Sendable {
    struct Candidate: Sendable {
        let hostname: String
        let node: String
        let key: SessionKey
        /// What a finding says about a match.
        var formula: String { "md5(\((hostname + "-" + node).debugDescription))" }
    }

    let candidates: [Candidate]

    /// The names tried: `hostname` (the one the audit uses) first, then this machine's candidates
    /// (`Hostname.candidates`, as `HostnameProbe` tries them), each with `nonode@nohost` and `nodes`.
    init(hostname: String?, nodes: [String]) {
        let hostnames = (hostname.map { [$0] } ?? []) + HostnameProbe.machineCandidates()
        candidates = FallbackSecret.candidates(hostnames: hostnames, nodes: nodes).compactMap { pair in
            (try? FallbackSecret.sessionKey(hostname: pair.hostname, node: pair.node))
                .map { Candidate(hostname: pair.hostname, node: pair.node, key: $0) }
        }
    }

    /// The first candidate under whose key `bytes` verify, with that verification (verified once).
    func match(_ bytes: UnsafeRawBufferPointer) -> (candidate: Candidate, verification: SignatureVerification)? {
        for candidate in candidates {
            let verification = SessionSignature.verify(fileBytes: bytes, key: candidate.key)
            if verification.verdict == .valid { return (candidate, verification) }
        }
        return nil
    }

    /// The first candidate whose fallback value is `secret`.
    func value(equalTo secret: UnsafeRawBufferPointer) -> Candidate? {
        candidates.first { candidate in
            guard let value = try? FallbackSecret.value(hostname: candidate.hostname, node: candidate.node) else { return false }
            return value.elementsEqual(secret)
        }
    }
}

extension FallbackKeys {
    /// The keys of one audit, derived by the first thread that needs them (the others wait for them).
    final class Lazy: Sendable {
        private let keys = Protected<FallbackKeys?>(nil)

        func get(hostname: String?, nodes: [String]) -> FallbackKeys {
            keys.withLock { keys in
                if let keys { return keys }
                let derived = FallbackKeys(hostname: hostname, nodes: nodes)
                keys = derived
                return derived
            }
        }
    }
}

extension AuditRun {
    /// The fallback keys, derived on first use.
    func fallback() -> FallbackKeys {
        fallbackKeys.get(hostname: report.hostname ?? configuration.hostname, nodes: configuration.fallbackNodes)
    }

    /// When `bytes` verify under a fallback key: the finding's message.
    mutating func fallbackMatch(_ bytes: UnsafeRawBufferPointer) -> (candidate: FallbackKeys.Candidate, message: String)? {
        guard let candidate = fallback().match(bytes)?.candidate else { return nil }
        return (candidate, "signed with JidoCode's fallback key \(candidate.formula) (hostname \(candidate.hostname.debugDescription)): "
            + "anyone who knows the hostname can forge it")
    }

    /// JG081 for a secret of 32 lower-case hex characters, saying whether it is a computable fallback value.
    mutating func reportFallbackFormSecret(_ secret: ReadBuffer, path: PathBytes) {
        let keys = fallback()
        if let candidate = secret.withBytes({ keys.value(equalTo: $0) }) {
            report.add(Rules.secretFallbackForm, path,
                       "it is JidoCode's fallback value \(candidate.formula): anyone who knows the hostname can compute it and forge every session")
        } else {
            report.add(Rules.secretFallbackForm, path,
                       "32 lower-case hex characters, the form of JidoCode's fallback value md5(\"HOSTNAME-NODE\"): at most 128 bits, and computable if it is one")
        }
    }
}
