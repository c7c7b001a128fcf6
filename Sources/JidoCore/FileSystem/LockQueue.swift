import Glibc

/// Arrival order for the waiters of one lock file, across threads and processes: a ticket queue
/// whose places are kernel-held byte-range locks, so a waiter that dies leaves no hole, and the
/// file itself stays empty (nothing is ever written to it; an audit baseline sees no change).
///
/// Why: Linux wakes every waiter of a released `flock` and the first to run takes it, so a waiter
/// can lose the race again and again (with four waiters, one in four wins each round: a
/// geometric tail), and a running thread that just released takes the lock again before the woken
/// ones run. Here each waiter, under an exclusive open-file-description lock on byte 0 (held for a
/// few calls, polled with a deadline), finds the highest slot anyone holds (`lastTicket`: slot `t`
/// is the byte at `slotBase + t`; found by an exponential then binary search of `F_OFD_GETLK`
/// probes, ~2 log2 of the queue's length), takes the next one with an exclusive lock, and then
/// waits for a shared lock on its predecessor's slot. A holder lets go of the `flock` first and of
/// its slot after (`FileLock.release`), so the successor, woken by the kernel when the slot is let
/// go, finds the `flock` free. Waiters are served in ticket order, that is in arrival order; when
/// the queue empties, tickets start again at 1.
///
/// Only the order rests on the queue; exclusion is always the `flock`'s. Whatever goes wrong here
/// (a call fails, someone else's lock sits in the slot range, a predecessor gave up or died)
/// degrades to the unordered wait and never to two holders: the kernel releases a dead waiter's
/// slot (so its successor goes on), a waiter that gives up lets its slot go when its helper is done,
/// and a client that does not queue (an older build, `FileLock.isHeld`) still meets the `flock`.
enum LockQueue {
    /// The byte locked while taking a ticket.
    static let ticketMutex: Int64 = 0
    /// Slot `t` is the byte at `slotBase + t`.
    static let slotBase: Int64 = 1 << 32
    /// The highest ticket: past it (which would take 2^40 acquisitions without the queue emptying)
    /// the queue is not used.
    static let maximumTicket: Int64 = 1 << 40

    /// Takes the next ticket of `fd`'s file and locks its slot; nil when the queue cannot be used
    /// before `deadline` (the caller then waits unordered).
    static func enqueue(_ fd: FileDescriptor, until deadline: ContinuousClock.Instant) -> Int64? {
        while Syscall.rangeLock(fd.rawValue, kind: 2, start: ticketMutex, length: 1, wait: false) != 0 {
            let error = Errno.current
            guard error == .wouldBlock || error == .permissionDenied || error == .interrupted, ContinuousClock.now < deadline else { return nil }
            MonotonicClock.sleep(.microseconds(20))
        }
        defer { _ = Syscall.rangeLock(fd.rawValue, kind: 0, start: ticketMutex, length: 1, wait: false) }
        guard let last = lastTicket(fd), last < maximumTicket,
              Syscall.rangeLock(fd.rawValue, kind: 2, start: slotBase + last + 1, length: 1, wait: false) == 0 else { return nil }
        return last + 1
    }

    /// The highest slot another open file description holds (0 when none), or nil when a probe
    /// fails: an exponential, then binary, search with probes "is any slot held at or after x",
    /// true up to the highest held slot and false beyond it.
    static func lastTicket(_ fd: FileDescriptor) -> Int64? {
        var low: Int64 = 0 // Invariant: a slot at or after `low` is held (or `low` is 0), none at or after `high`.
        var high: Int64 = 1
        while true {
            guard let any = held(fd, from: high, to: nil) else { return nil }
            if !any { break }
            low = high
            guard high <= maximumTicket else { return high }
            high *= 2
        }
        return search(fd, low: low, high: high, to: nil)
    }

    /// The highest slot below `ticket` another description holds (0 when none), or nil when a
    /// probe fails. Usually the slot just below (one probe); the search widens downwards by doubling.
    static func predecessor(_ fd: FileDescriptor, of ticket: Int64) -> Int64? {
        var high = ticket // Invariant: no slot in [high, ticket) is held; one in [low, ticket) is (or `low` is 0).
        var step: Int64 = 1
        while true {
            let low = max(ticket - step, 1)
            guard low < high else { return 0 }
            guard let any = held(fd, from: low, to: ticket) else { return nil }
            if any { return search(fd, low: low, high: high, to: ticket) }
            high = low
            step *= 2
        }
    }

    /// The highest held slot in `[low, high)` given that one at or after `low` (below `end`) is
    /// held, or that `low` is 0, and none at or after `high` (below `end`).
    private static func search(_ fd: FileDescriptor, low: Int64, high: Int64, to end: Int64?) -> Int64? {
        var low = low, high = high
        while high - low > 1 {
            let middle = low + (high - low) / 2
            guard let any = held(fd, from: middle, to: end) else { return nil }
            if any { low = middle } else { high = middle }
        }
        return low
    }

    /// Whether another description holds a slot in `[from, end)` (`end` nil: any slot from `from` on).
    private static func held(_ fd: FileDescriptor, from ticket: Int64, to end: Int64?) -> Bool? {
        switch Syscall.rangeLocked(fd.rawValue, start: slotBase + ticket, length: end.map { $0 - ticket } ?? 0) {
        case 0: false
        case 1: true
        default: nil
        }
    }

    /// How long a waiter keeps its place in the queue: past it, the waiter lets its slot go and
    /// waits unordered. A waiter that was stopped (SIGSTOP, a suspended terminal job), or a lock
    /// someone else holds in the slot range, thus delays the waiters behind it by at most this much
    /// each instead of until every timeout. Longer than a queue of whole saves normally lasts here
    /// (p99 ~0.1 s with 8 processes × 2 threads on 4 sessions), so the order holds in practice.
    static let patience: Duration = .seconds(1)

    /// Waits until no slot below `ticket` is held: the waiter ahead let go of its slot after its
    /// turn (or gave up its place: then the one ahead of it is waited for). At once when none is
    /// held. Until `deadline` or `patience` from now, whichever comes first. `.abandoned`: our slot
    /// has been let go and the helper owns `fd` (see `LockWaiter`); the caller waits unordered on a
    /// new descriptor, or times out if `deadline` has passed. `.noHelper`, `.busy` (a failed call):
    /// the caller goes on unordered with `fd`.
    static func waitForTurn(_ fd: FileDescriptor, ticket: Int64, until deadline: ContinuousClock.Instant) -> LockWaiter.Outcome {
        let limit = min(deadline, ContinuousClock.now.advanced(by: patience))
        while true {
            guard let ahead = predecessor(fd, of: ticket) else { return .busy }
            if ahead == 0 { return .locked }
            guard ContinuousClock.now < limit else { return .busy }
            let slot = slotBase + ahead
            let outcome: LockWaiter.Outcome
            do throws(SystemCallError) {
                outcome = try LockWaiter.wait(.sharedRange(start: slot, length: 1), on: fd, until: limit) { fd in
                    _ = Syscall.rangeLock(fd.rawValue, kind: 0, start: slotBase + ticket, length: 1, wait: false)
                }
            } catch {
                return .busy
            }
            guard outcome == .locked else { return outcome }
            _ = Syscall.rangeLock(fd.rawValue, kind: 0, start: slot, length: 1, wait: false)
        }
    }
}
