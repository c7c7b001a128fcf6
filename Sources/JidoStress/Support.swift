import Foundation
import Glibc
import JidoCore

/// CLOCK_MONOTONIC in seconds: one clock for every process of the machine, so workers and the
/// parent agree on rotation rounds and deadlines.
var now: Double { MonotonicClock.now }

/// Sleeps `seconds` (nothing for zero or less).
func pause(_ seconds: Double) { MonotonicClock.sleep(seconds) }

/// A body running on its own thread; `join` waits for its result.
final class JoinableThread<T: Sendable>: @unchecked Sendable {
    private let mutex = PthreadMutex()
    private let finished = PthreadCondition()
    /// Guarded by `mutex`.
    private var result: T?

    init(_ body: @escaping @Sendable () -> T) {
        let thread = Thread { [self] in
            let value = body()
            mutex.withLock {
                result = value
                finished.broadcast()
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    func join() -> T {
        mutex.withLock {
            while true {
                if let result { return result }
                finished.wait(on: mutex)
            }
        }
    }
}

/// Runs `body(i)` for `i` in `0..<count`, each on its own thread, and returns the results in order.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
    (0..<count).map { index in JoinableThread { body(index) } }.map { $0.join() }
}

/// A flag one thread raises and others poll.
final class StopFlag: @unchecked Sendable {
    private let lock = PthreadMutex()
    private var raised = false

    var isRaised: Bool { lock.withLock { raised } }
    func raise() { lock.withLock { raised = true } }
}

/// Creates a fresh private directory under the system temp folder (`mkdtemp` directly: a scratch
/// directory, not a file of the store; see the exceptions in JidoCore's FileSystem/Syscalls.swift).
func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/jido-stress-XXXXXX").utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
        guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
        return String(cString: base)
    }
    guard let path = created else { throw StressError("cannot create a temporary directory (errno \(errno))") }
    return path
}

/// A failure of the harness itself (not a finding about the store): exit status 3 (`ExitCode.cannotRun`)
/// with the message.
public struct StressError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
