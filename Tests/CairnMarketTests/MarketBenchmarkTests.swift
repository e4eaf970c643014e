import CairnMarket
import Testing

@Suite struct MarketBenchmarkTests {
    /// One provider with 10,000 agreements: the audit sample of 128 challenges about 128, whose proofs fit in a
    /// few transactions and are all accepted, and the settling block pays every agreement. The CPU figures are
    /// printed for information only (target ≤ 1 s for validation and settlement together), with no assertion on
    /// time.
    @Test func tenThousandAgreementsOneEpoch() {
        let result = MarketBenchmark.verifyProofs(agreements: 10_000)
        #expect((80...180).contains(result.challenged), "\(result.challenged) challenged")
        #expect(result.proved == result.challenged)
        #expect(result.paid == 10_000)
        #expect(result.transactions <= 5)
        #expect(result.bytes <= 5 * result.maxTxBytes)
        #expect(result.blocks == 1)
        print(result)
    }

    /// With a sample as large as the agreements, every one is challenged and proved, as before the sample.
    @Test func aSampleAsLargeAsTheAgreementsChallengesThemAll() {
        let result = MarketBenchmark.verifyProofs(agreements: 300, sample: 300)
        #expect(result.challenged == 300)
        #expect(result.proved == 300)
        #expect(result.paid == 300)
    }
}
