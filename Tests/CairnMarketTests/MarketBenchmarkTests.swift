import CairnMarket
import Testing

@Suite struct MarketBenchmarkTests {
    /// Every proof of one epoch for 10,000 agreements is accepted; the figure is printed for information only
    /// (target ≤ 1 s of CPU), with no assertion on time.
    @Test func tenThousandProofs() {
        let result = MarketBenchmark.verifyProofs(agreements: 10_000)
        #expect(result.proved == 10_000)
        print(result)
    }
}
