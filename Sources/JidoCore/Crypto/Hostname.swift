#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host name exactly as JidoCode mixes it into the signing key.
///
/// JidoCode calls `:inet.gethostname/0` and `to_string/1` on the result (`Crypto.get_hostname/0`):
/// - `:inet.gethostname/0` returns `gethostname(2)` cut before its first `.` (`devbox.example.com` keys
///   as `devbox`), or the literal `nohost.nodomain` (uncut) when the VM cannot open a UDP socket;
/// - the name comes back as a list of bytes, and `to_string/1` encodes each byte as the Unicode code
///   point of the same value, so a byte above 0x7F becomes two bytes of UTF-8 (Latin-1 read as text).
///   Measured on OTP 25: bytes `68 C3 A9 FF 78` give the salt bytes `68 C3 83 C2 A9 C3 BF 78`.
/// - `get_hostname/0`'s `{:error, _} -> "localhost"` branch cannot be taken (`:inet.gethostname/0`
///   always answers `{:ok, _}`), but an older or patched JidoCode might; it is offered as a candidate.
public enum Hostname {
    private static let capacity = 256

    /// What `:inet.gethostname/0` answers when the VM cannot open a UDP socket.
    public static let noSocketFallback = "nohost.nodomain"
    /// What `Crypto.get_hostname/0` answers when `:inet.gethostname/0` fails.
    public static let errorFallback = "localhost"

    /// The name JidoCode keys with on this machine (the default everywhere: store, verify, audit).
    public static func current() throws(CryptoError) -> String {
        jidoCodeName(systemName: try systemName())
    }

    /// The bytes `gethostname(2)` returns, unaltered.
    public static func systemName() throws(CryptoError) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: capacity + 1)
        let failure: Int32? = buffer.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return EFAULT }
            return gethostname(base, capacity) == 0 ? nil : errno
        }
        if let failure { throw .hostnameUnavailable(errno: failure) }
        // gethostname may leave the name unterminated on truncation; the final byte is never
        // handed to it, so a terminator only there means the name did not fit.
        guard let end = buffer.firstIndex(of: 0), end < capacity else { throw .hostnameUnavailable(errno: ENAMETOOLONG) }
        return buffer[..<end].map { UInt8(bitPattern: $0) }
    }

    /// The name JidoCode derives from a `gethostname(2)` answer: the bytes before the first `.`,
    /// each as the code point of its value.
    public static func jidoCodeName(systemName: some Collection<UInt8>) -> String {
        latin1(systemName.prefix { $0 != UInt8(ascii: ".") })
    }

    /// Every name JidoCode could have keyed with on a machine whose `gethostname(2)` answers
    /// `systemName`, most likely first, without repeats: JidoCode's own rule, the full name (an older
    /// tool, or the machine renamed), then the two fallbacks. For a hint, never for silent use.
    public static func candidates(systemName: some Collection<UInt8>) -> [String] {
        var names: [String] = []
        for name in [jidoCodeName(systemName: systemName), latin1(systemName), noSocketFallback, errorFallback]
        where !name.isEmpty && !names.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
            names.append(name)
        }
        return names
    }

    /// Each byte as the Unicode scalar of the same value (what Erlang's `to_string/1` does to a byte list).
    private static func latin1(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }
}
