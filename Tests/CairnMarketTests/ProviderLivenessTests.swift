import CairnChain
import CairnCrypto
import CairnMarket
import Testing

/// A provider is online while a transaction of its own committed in the last `livenessEpochs` epochs (3 in the
/// fixture, epochs of 4 blocks): registration, proofs and a free check-in, one a epoch, count.
@Suite struct ProviderLivenessTests {
    func provider(_ f: MarketFixture, _ who: Identity, in state: LedgerState) throws -> MarketProvider {
        try #require(MarketState.of(state).providers[who.publicKey])
    }

    func isOnline(_ f: MarketFixture, _ who: Identity, in state: LedgerState) throws -> Bool {
        try provider(f, who, in: state).isOnline(
            in: MarketState.of(state).epoch, livenessEpochs: f.market.livenessEpochs)
    }

    @Test func aSilentProviderGoesOfflineAndACheckInBringsItBack() throws {
        let f = MarketFixture()
        var state = try f.genesis()
        try f.advance(to: 4, &state)  // epoch 1
        try f.commit([f.register(f.p1, on: state)], on: &state)
        #expect(try provider(f, f.p1, in: state).lastActiveEpoch == 1)
        try f.advance(to: 16, &state)  // epoch 4: 3 epochs since
        #expect(try isOnline(f, f.p1, in: state))
        try f.advance(to: 20, &state)  // epoch 5
        #expect(try !isOnline(f, f.p1, in: state))

        let before = state.balance(of: f.p1.publicKey)
        let checkIn = f.tx(f.p1, MarketTransaction.checkIn(), on: state, fee: .zero)
        #expect(f.refusal(checkIn, on: state) == nil)
        try f.commit([checkIn], on: &state)
        #expect(state.balance(of: f.p1.publicKey) == before)
        #expect(try provider(f, f.p1, in: state).lastActiveEpoch == 5)
        #expect(try isOnline(f, f.p1, in: state))

        let again = f.tx(f.p1, MarketTransaction.checkIn(), on: state, fee: .zero)
        #expect(f.refusal(again, on: state)?.contains("already known to be online in epoch 5") == true)
    }

    @Test func onlyAProviderChecksIn() throws {
        let f = MarketFixture()
        let state = try f.genesis()
        let tx = f.tx(f.keeper, MarketTransaction.checkIn(), on: state, fee: .zero)
        #expect(f.refusal(tx, on: state)?.contains("is not a registered provider") == true)
    }

    @Test func postedProofsShowTheProviderOnline() throws {
        let (f, setUp, agreements) = try ProofVerificationTests.setUp()  // epoch 1, registered in epoch 0
        var state = setUp
        let market = MarketState.of(state)
        #expect(try provider(f, f.p1, in: state).lastActiveEpoch == 0)
        let entries = agreements.map { MarketFile.shared.proof(for: $0, in: market) }
        try f.commit(
            [f.tx(f.p1, MarketTransaction.postProofs(epoch: market.epoch, entries: entries), on: state, fee: .zero)],
            on: &state)
        #expect(try provider(f, f.p1, in: state).lastActiveEpoch == 1)
        let checkIn = f.tx(f.p1, MarketTransaction.checkIn(), on: state, fee: .zero)
        #expect(f.refusal(checkIn, on: state)?.contains("already known to be online") == true)
    }

    @Test func theRuleCountsWholeEpochs() {
        let provider = MarketProvider(
            capacityBytes: 1, pricePerGiBEpoch: .zero, stake: .zero, address: "127.0.0.1:1", lastActiveEpoch: 10)
        #expect(provider.isOnline(in: 9, livenessEpochs: 1))
        #expect(provider.isOnline(in: 11, livenessEpochs: 1))
        #expect(!provider.isOnline(in: 12, livenessEpochs: 1))
        #expect(provider.isOnline(in: 13, livenessEpochs: 3))
        #expect(!provider.isOnline(in: 14, livenessEpochs: 3))
    }
}
