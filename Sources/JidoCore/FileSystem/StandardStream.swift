internal import Glibc

/// Standard output or standard error, written through the descriptor layer (`FileDescriptor.writeAll`:
/// short writes continued, EINTR retried).
///
/// A write that fails (EPIPE from a closed pipe when SIGPIPE is ignored, ENOSPC on `/dev/full`, EBADF
/// on a closed descriptor, EIO) is kept as the stream's first failure and every later write is
/// dropped: a tool finishes its work, then reports the failure once and exits with a documented
/// status, instead of trapping in the middle (Foundation's `FileHandle.write` traps on failure).
package final class StandardStream: @unchecked Sendable {
    package static let output = StandardStream(FileDescriptor(rawValue: STDOUT_FILENO), name: "standard output")
    package static let error = StandardStream(FileDescriptor(rawValue: STDERR_FILENO), name: "standard error")

    private let descriptor: FileDescriptor
    /// "standard output" or "standard error", for messages.
    package let name: String
    private let mutex = PthreadMutex()
    /// Guarded by `mutex`.
    private var failure: SystemCallError?

    package init(_ descriptor: FileDescriptor, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    /// Writes `text` whole, unless an earlier write failed.
    package func write(_ text: String) {
        mutex.withLock {
            guard failure == nil else { return }
            do throws(SystemCallError) {
                try descriptor.writeAll(Array(text.utf8))
            } catch {
                failure = error
            }
        }
    }

    /// The first write failure, if any.
    package var firstFailure: SystemCallError? { mutex.withLock { failure } }

    /// True when the stream is a terminal. The corresponding C function is `isatty`.
    package var isTerminal: Bool { isatty(descriptor.rawValue) == 1 }

    /// Ignores SIGPIPE for the process, so that writing to a closed pipe fails with EPIPE (reported
    /// like any other write failure) instead of killing the process. The corresponding C function is
    /// `signal`.
    package static func ignoreBrokenPipeSignal() {
        _ = signal(SIGPIPE, SIG_IGN)
    }
}
