import Glibc

/// Arrival order for the waiters of one lock file, across threads and processes: a ticket queue
/// whose links are kernel-held byte-range locks, so a waiter that dies leaves no hole.
///
/// Why: Linux wakes every waiter of a released `flock` and the first to run takes it, so a waiter
/// can lose the race again and again (with four waiters, one in four wins each round: a
/// geometric tail, and a running thread that just released barges ahead of all of them). Here each
/// waiter takes the next ticket `t` (a counter in the lock file's first 8 bytes, read and written
/// under an exclusive open-file-description lock on those bytes), holds an exclusive lock on its
/// own slot (byte `slotBase + t`) and waits for a shared lock on its predecessor's slot (`t - 1`).
/// A holder lets go of the `flock` first and of its slot after (`FileLock.release`), so the
/// successor, woken by the kernel when the slot is let go, finds the `flock` free. Waiters are
/// served in ticket order, that is in arrival order.
///
/// Only the order rests on the queue; exclusion is always the `flock`'s. Whatever goes wrong here
/// (a call fails, the counter holds garbage, a predecessor gave up or died) degrades to the
/// unordered wait and never to two holders: the kernel releases a dead waiter's slot (so its
/// successor goes on), a waiter that gives up lets its slot go when its helper is done, and a
/// client that does not queue (an older build, `FileLock.isHeld`) still meets the `flock`. The
/// file's bytes are the counter only; the slots are locks on bytes that are never written.
enum LockQueue {
    /// The counter's bytes (also the range locked while taking a ticket).
    static let counterLength: Int64 = 8
    /// Slot `t` is the byte at `slotBase + t`.
    static let slotBase: Int64 = 1 << 32
    /// Tickets beyond this are garbage (a counter that was not ours): the queue restarts at 1.
    static let maximumTicket: UInt64 = 1 << 40

    /// Takes the next ticket of `fd`'s file and locks its slot; nil when the queue cannot be used
    /// before `deadline` (the caller then waits unordered). The counter's lock is held for a read
    /// and a write, so it is polled (every 20 µs), never waited on without a deadline.
    static func enqueue(_ fd: FileDescriptor, until deadline: ContinuousClock.Instant) -> UInt64? {
        while Syscall.rangeLock(fd.rawValue, kind: 2, start: 0, length: counterLength, wait: false) != 0 {
            let error = Errno.current
            guard error == .wouldBlock || error == .permissionDenied || error == .interrupted, ContinuousClock.now < deadline else { return nil }
            MonotonicClock.sleep(.microseconds(20))
        }
        defer { _ = Syscall.rangeLock(fd.rawValue, kind: 0, start: 0, length: counterLength, wait: false) }
        var counter: UInt64 = 0
        let read = withUnsafeMutableBytes(of: &counter) { Syscall.pread(fd.rawValue, $0.baseAddress, $0.count, 0) }
        if read != Int(counterLength) { counter = 0 }
        let previous = UInt64(littleEndian: counter)
        let ticket = previous < maximumTicket ? previous + 1 : 1
        var stored = ticket.littleEndian
        let written = withUnsafeBytes(of: &stored) { Syscall.pwrite(fd.rawValue, $0.baseAddress, $0.count, 0) }
        guard written == Int(counterLength),
              Syscall.rangeLock(fd.rawValue, kind: 2, start: slotBase + Int64(ticket), length: 1, wait: false) == 0 else { return nil }
        return ticket
    }

    /// Waits until the holder of ticket `ticket - 1` has let go of its slot (at once when it has,
    /// or never had one), until `deadline`. `.abandoned`: the helper owns `fd` (see `LockWaiter`).
    /// `.noHelper` or a failed call: the caller goes on unordered.
    static func waitForTurn(_ fd: FileDescriptor, ticket: UInt64, until deadline: ContinuousClock.Instant) -> LockWaiter.Outcome {
        let predecessor = slotBase + Int64(ticket) - 1
        if Syscall.rangeLock(fd.rawValue, kind: 1, start: predecessor, length: 1, wait: false) != 0 {
            guard Errno.current == .wouldBlock || Errno.current == .permissionDenied, ContinuousClock.now < deadline else { return .busy }
            let outcome: LockWaiter.Outcome
            do throws(SystemCallError) {
                outcome = try LockWaiter.wait(.sharedRange(start: predecessor, length: 1), on: fd, until: deadline)
            } catch {
                return .busy
            }
            guard outcome == .locked else { return outcome }
        }
        _ = Syscall.rangeLock(fd.rawValue, kind: 0, start: predecessor, length: 1, wait: false)
        return .locked
    }
}
