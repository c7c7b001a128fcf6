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
    let process = Process()
    process.executableURL = productsDirectory().appendingPathComponent(name)
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
    let (process, out, err) = try launchProduct(name, arguments, environment: environment)
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
