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

    @Test func availableCoresIsPositive() {
        #expect(ParallelMap.availableCores >= 1)
    }
}
