/// The secret JidoCode falls back to when it cannot read `machine_secret` (any error but "missing"):
/// `md5("<hostname>-<node name>")` in lower-case hex, 32 ASCII characters, used as the secret's bytes
/// (`fallback_entropy/0` in JidoCode's `persistence/crypto.ex`). The hostname is the one the key is
/// derived with (`:inet.gethostname/0`, cut at the first dot), the node `nonode@nohost` unless
/// JidoCode runs distributed. Anyone who knows the hostname can compute it: a session signed under it
/// can be forged by anyone. Only for recognising such sessions and secrets; never a key we sign with.
package enum FallbackSecret {
    /// The node name of a BEAM that is not distributed (`Node.self()`).
    package static let undistributedNode = "nonode@nohost"

    /// The length of a fallback value: MD5's 16 bytes in hex.
    package static let byteCount = 32

    /// The fallback value for `hostname` and `node`, as JidoCode computes it (the hostname's UTF-8,
    /// which is what Elixir's string interpolation of `to_string(charlist)` gives).
    package static func value(hostname: String, node: String = undistributedNode) throws(CryptoError) -> [UInt8] {
        let input = Array((hostname + "-" + node).utf8)
        let digest = try CryptoError.typed { try input.withUnsafeBytes { try LibCrypto.md5($0) } }
        return Hex.lowercaseASCII(digest)
    }

    /// The key JidoCode signs with while it uses the fallback: the fallback value keyed with the same hostname.
    package static func sessionKey(hostname: String, node: String = undistributedNode) throws(CryptoError) -> SessionKey {
        var secret = try value(hostname: hostname, node: node)
        defer { secret.withUnsafeMutableBytes { SecureBytes.wipe($0) } }
        return try CryptoError.typed { try secret.withUnsafeBytes { try SessionKeyCache.shared.key(machineSecret: $0, hostname: hostname) } }
    }

    /// True when `secret` has the exact form of a fallback value: 32 lower-case hex characters.
    package static func hasFallbackForm(_ secret: UnsafeRawBufferPointer) -> Bool {
        secret.count == byteCount && secret.allSatisfy(Hex.isLowercaseDigit)
    }

    /// The (hostname, node) pairs to try: every hostname in order, each with every node (without repeats).
    package static func candidates(hostnames: [String], nodes: [String]) -> [(hostname: String, node: String)] {
        var seenNodes: [String] = []
        for node in [undistributedNode] + nodes where !seenNodes.contains(where: { $0.utf8.elementsEqual(node.utf8) }) {
            seenNodes.append(node)
        }
        var seenHosts: [String] = []
        for host in hostnames where !seenHosts.contains(where: { $0.utf8.elementsEqual(host.utf8) }) { seenHosts.append(host) }
        return seenHosts.flatMap { host in seenNodes.map { (hostname: host, node: $0) } }
    }
}
