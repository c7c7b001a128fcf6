import Glibc
import Testing
@testable import JidoCore

@Suite struct ParallelMapTests {
    /// Results in index order, every index once, for any number of threads (more than items too).
    @Test(arguments: [1, 2, 3, 8, 100])
    func resultsAreInIndexOrder(_ jobs: Int) {
        let results = ParallelMap.map(37, jobs: jobs) { index in index * index }
        #expect(results == (0..<37).map { $0 * $0 })
        #expect(ParallelMap.map(0, jobs: jobs) { $0 }.isEmpty)
    }

    /// Items that finish out of order (later ones first) are still delivered in index order, each once;
    /// no item is started before the one `window` places earlier was delivered, even when delivering
    /// is slow; each thread makes its own state once.
    @Test(arguments: [1, 2, 3, 7])
    func deliveriesAreInOrderWithinTheWindow(_ jobs: Int) {
        let count = 40, window = 2 * jobs
        let delivered = Protected(0)
        let states = Protected(0)
        let tooEarly = Protected<[Int]>([])
        var order: [Int] = []
        ParallelMap.forEachInOrder(count, jobs: jobs, window: window, perThread: { states.withLock { $0 += 1 }; return [Int]() }, { seen, index in
            // The slot is freed just before `deliver` runs: one more may be started meanwhile.
            if delivered.withLock({ $0 }) + window + 1 <= index { tooEarly.withLock { $0.append(index) } }
            seen.append(index)
            usleep(UInt32((count - index) % 5) * 300) // later items of a window finish first
            return (index, seen.count)
        }, deliver: { index, result in
            #expect(result.0 == index)
            order.append(index)
            if index % 3 == 0 { usleep(500) } // a slow consumer
            delivered.withLock { $0 += 1 }
        })
        #expect(order == Array(0..<count))
        #expect(tooEarly.withLock { $0 }.isEmpty)
        #expect(states.withLock { $0 } >= 1 && states.withLock { $0 } <= jobs)
    }

    /// A test's syscall fault plan (task-local) holds on the worker threads when carried to them.
    @Test func theCallersFaultPlanHoldsOnTheWorkers() {
        let faults = SyscallFaults()
        faults.fail(.open, errno: EACCES, times: 100)
        let opened = SyscallFaults.$current.withValue(faults) {
            var opened: [Bool] = []
            ParallelMap.forEachInOrder(4, jobs: 4, onEachThread: SyscallFaults.carriedToThreads(), perThread: {}, { _, _ in
                (try? FileDescriptor.open(PathBytes("/"), [.readOnly, .directory, .closeOnExec])).map { fd in
                    _ = try? fd.close()
                    return true
                } ?? false
            }, deliver: { _, result in opened.append(result) })
            return opened
        }
        #expect(opened == [false, false, false, false])
        #expect(faults.count(.open) == 4)
    }

    @Test func availableCoresIsPositive() {
        #expect(ParallelMap.availableCores >= 1)
    }
}
