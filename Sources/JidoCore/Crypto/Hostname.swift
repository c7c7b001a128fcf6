#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the host name could not be read.
public enum HostnameError: Error, Sendable, Equatable {
    /// `gethostname` failed with this errno, or (`ENAMETOOLONG`) returned no terminator.
    case unavailable(errno: Int32)
    /// The name is not valid UTF-8, so it has no defined place in the key-derivation salt.
    case notUTF8
}

/// The host name as JidoCode mixes it into the signing key.
public enum Hostname {
    private static let capacity = 256

    /// The name exactly as `gethostname(2)` returns it (no domain stripping or case folding).
    public static func current() throws -> String {
        var buffer = [CChar](repeating: 0, count: capacity + 1)
        let failure: Int32? = buffer.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return EFAULT }
            return gethostname(base, capacity) == 0 ? nil : errno
        }
        if let failure { throw HostnameError.unavailable(errno: failure) }
        // gethostname may leave the name unterminated on truncation; the final byte is never
        // handed to it, so a terminator only there means the name did not fit.
        guard let end = buffer.firstIndex(of: 0), end < capacity else {
            throw HostnameError.unavailable(errno: ENAMETOOLONG)
        }
        guard let string = String(validating: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self) else {
            throw HostnameError.notUTF8
        }
        return string
    }
}
