import Testing

@testable import CairnChain

@Suite struct LedgerBenchmarkTests {
    /// Runs the benchmark small, for correctness only (every transfer is accepted); the figure is `cairn bench`'s.
    @Test func benchmarkAcceptsEveryTransfer() {
        let result = LedgerBenchmark.validateTransfers(count: 2_000)
        #expect(result.accepted == 2_000)
        print(result)
    }
}
