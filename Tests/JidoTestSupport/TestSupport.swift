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
