/// A path as the kernel takes it: bytes, never decoded.
///
/// A file name on Linux is any bytes but `/` and NUL; it need not be UTF-8. A Swift `String` repairs
/// invalid UTF-8 to U+FFFD, so a path that went through one names another file (or none). Paths that
/// come from the command line, a directory listing or `realpath` are therefore carried as `PathBytes`
/// and handed to the kernel byte for byte. Every call of the file-system layer that takes a path takes
/// one of these; the `String` overloads are conveniences that encode their argument as UTF-8.
///
/// A path with a NUL byte cannot be passed to the kernel (it would be cut at the NUL and name another
/// file): every call refuses it with EINVAL instead.
///
/// `description` is the path decoded for matching and logs (invalid bytes become U+FFFD); print a path
/// with the audit's `DisplayText`, which shows every byte reversibly.
public struct PathBytes: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { bytes = Array(string.utf8) }
    public init(stringLiteral value: String) { self.init(value) }

    /// The path as text, or nil when its bytes are not valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }
    /// The path as text with invalid bytes replaced by U+FFFD: for matching and logs only.
    public var description: String { String(decoding: bytes, as: UTF8.self) }
    public var isEmpty: Bool { bytes.isEmpty }

    /// `self/name` (a slash between them).
    public func appending(_ name: String) -> PathBytes { appending(PathBytes(name)) }
    public func appending(_ name: PathBytes) -> PathBytes { PathBytes(bytes: bytes + [Self.slash] + name.bytes) }

    /// The directory part (`.` when there is none, `/` for a name at the root) and the last component.
    public var split: (parent: PathBytes, name: PathBytes) {
        guard let slash = bytes.lastIndex(of: Self.slash) else { return (".", self) }
        let parent = PathBytes(bytes: Array(bytes[..<slash]))
        return (parent.isEmpty ? "/" : parent, PathBytes(bytes: Array(bytes[(slash + 1)...])))
    }

    /// The part of `self` below `directory` (`directory/x/y` gives `x/y`), or nil when `self` is not below it.
    public func relative(to directory: PathBytes) -> PathBytes? {
        let prefix = directory.bytes + [Self.slash]
        guard bytes.count > prefix.count, bytes.starts(with: prefix) else { return nil }
        return PathBytes(bytes: Array(bytes[prefix.count...]))
    }

    public static func < (a: PathBytes, b: PathBytes) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    static let slash = UInt8(ascii: "/")

    /// Runs `body` with the path as a NUL-terminated C string; EINVAL (naming `call`) for a path
    /// that holds a NUL byte.
    func withCString<R>(_ call: String, _ body: (UnsafePointer<CChar>) -> R) throws(SystemCallError) -> R {
        guard !bytes.contains(0) else { throw SystemCallError(call, path: self, errno: .invalidArgument) }
        let cString = bytes.map { CChar(bitPattern: $0) } + [0]
        return body(cString)
    }
}
