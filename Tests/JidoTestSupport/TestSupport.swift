import Foundation
import Glibc

/// A fresh directory under the system temp folder, removed after `body`.
public func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    var template = Array((NSTemporaryDirectory() + "/jido-test-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    guard let path = created else { throw POSIXError(.EIO) }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The products folder of this build (where `swift test` put the test bundle and executables).
public func productsDirectory() -> URL {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    while url.path.contains(".xctest") { url.deleteLastPathComponent() }
    return url
}

/// The result of a finished child process.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Starts a product executable of this package with `arguments`; the caller waits.
public func launchProduct(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Process, Pipe, Pipe) {
    try launchProgram(productsDirectory().appendingPathComponent(name).path, arguments, environment: environment)
}

/// Starts the program at `path` with `arguments`, its output and errors piped; the caller waits.
public func launchProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Process, Pipe, Pipe) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return (process, out, err)
}

/// Runs a product executable to completion.
public func runProduct(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    try runProgram(productsDirectory().appendingPathComponent(name).path, arguments, environment: environment)
}

/// Runs the program at `path` (`/bin/bash`, `/usr/bin/python3`, ...) to completion.
public func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let (process, out, err) = try launchProgram(path, arguments, environment: environment)
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
}

/// Writes `bytes` to `path` with `mode` (set explicitly, whatever the umask).
public func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    guard chmod(path, mode) == 0 else { throw POSIXError(.EPERM) }
}

public func fileMode(_ path: String) -> mode_t {
    var st = stat()
    return lstat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
}

public func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = hex.utf8.makeIterator()
    while let a = chars.next(), let b = chars.next() {
        out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) ?? 0)
    }
    return out
}

/// `withTemporaryDirectory` for async bodies.
public func withTemporaryDirectoryAsync<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = try withTemporaryDirectory { path -> String in
        let kept = path + ".async"
        guard rename(path, kept) == 0 else { throw POSIXError(.EIO) }
        return kept
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Runs `body` on a new thread whose stack is only `stackBytes` (64 KiB by default) and waits for
/// it: code that recursed with the depth of its input overflows there and crashes the test.
/// nil if the thread could not be started.
public func onSmallStack(stackBytes: Int = 64 << 10, _ body: @escaping @Sendable () -> Bool) -> Bool? {
    let box = SmallStackBox(body)
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setstacksize(&attributes, max(stackBytes, Int(PTHREAD_STACK_MIN)))
    var thread = pthread_t()
    let context = Unmanaged.passRetained(box).toOpaque()
    let created = pthread_create(&thread, &attributes, { context in
        guard let context else { return nil }
        let box = Unmanaged<SmallStackBox>.fromOpaque(context).takeRetainedValue()
        box.result = box.body()
        return nil
    }, context)
    guard created == 0 else {
        Unmanaged<SmallStackBox>.fromOpaque(context).release()
        return nil
    }
    pthread_join(thread, nil)
    return box.result
}

private final class SmallStackBox: @unchecked Sendable {
    let body: @Sendable () -> Bool
    var result: Bool?
    init(_ body: @escaping @Sendable () -> Bool) { self.body = body }
}

/// Creates the file at `path` given as bytes (a name need not be UTF-8) with `bytes` and `mode`.
public func writeFile(pathBytes path: [UInt8], _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    let cPath = path.map { CChar(bitPattern: $0) } + [0]
    let fd = cPath.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) } ?? -1 }
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count, fchmod(fd, mode) == 0 else { throw POSIXError(.EIO) }
}

/// Binds a Unix-domain socket at `path` (then closes it: the socket file stays). False when the
/// path does not fit a socket address.
public func makeSocket(_ path: String) -> Bool {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
    withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    return bound == 0
}

// MARK: - Paths that are not UTF-8

/// `path` (UTF-8) followed by `bytes`: a path whose last name need not be UTF-8.
public func pathBytes(_ path: String, _ bytes: [UInt8] = []) -> [UInt8] { Array(path.utf8) + bytes }

/// Renames the path of exactly `from` to that of `to` (any bytes), with the raw system call: a Swift
/// `String` cannot hold a name that is not UTF-8. (Tests rename such names back to UTF-8 before their
/// temporary directory is removed: `FileManager` cannot remove what it cannot name.)
public func renameBytes(_ from: [UInt8], _ to: [UInt8]) throws {
    let source = from.map { CChar(bitPattern: $0) } + [0], target = to.map { CChar(bitPattern: $0) } + [0]
    guard rename(source, target) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// The bytes a `DisplayText`-escaped text stands for, or nil when it is not such a text: `\\` is a
/// backslash, `\xHH` the byte HH, `\u{X}` the UTF-8 of U+X, any other character its own UTF-8.
/// Written here independently of the library, so that a test of reversibility can fail.
public func displayTextBytes(_ text: String) -> [UInt8]? {
    let scalars = Array(text.unicodeScalars)
    var out: [UInt8] = []
    var i = 0
    while i < scalars.count {
        guard scalars[i] == "\\" else {
            out += Array(String(scalars[i]).utf8)
            i += 1
            continue
        }
        guard i + 1 < scalars.count else { return nil }
        switch scalars[i + 1] {
        case "\\":
            out.append(UInt8(ascii: "\\"))
            i += 2
        case "x":
            guard i + 3 < scalars.count, let byte = UInt8(String(String.UnicodeScalarView(scalars[(i + 2)...(i + 3)])), radix: 16) else { return nil }
            out.append(byte)
            i += 4
        case "u":
            guard i + 2 < scalars.count, scalars[i + 2] == "{", let close = scalars[(i + 3)...].firstIndex(of: "}"),
                  let value = UInt32(String(String.UnicodeScalarView(scalars[(i + 3)..<close])), radix: 16),
                  let scalar = Unicode.Scalar(value) else { return nil }
            out += Array(String(scalar).utf8)
            i = close + 1
        default:
            return nil
        }
    }
    return out
}

/// Runs a product executable with arguments and environment (`NAME=value` each) given as bytes
/// (Foundation's `Process` cannot pass one that is not UTF-8), through `posix_spawn`; stdout and
/// stderr go to files, read after exit.
public func runProduct(_ name: String, byteArguments arguments: [[UInt8]], environment: [[UInt8]] = []) throws -> ProcessResult {
    let executable = productsDirectory().appendingPathComponent(name).path
    return try withTemporaryDirectory { scratch in
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        func cString(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar> {
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
            pointer[bytes.count] = 0
            return pointer
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([Array(executable.utf8)] + arguments).map(cString) + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map(cString) + [nil]
        defer { for pointer in argv + envp { pointer?.deallocate() } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let stdout = try Data(contentsOf: URL(fileURLWithPath: outPath)), stderr = try Data(contentsOf: URL(fileURLWithPath: errPath))
        return ProcessResult(status: exitStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }
}
