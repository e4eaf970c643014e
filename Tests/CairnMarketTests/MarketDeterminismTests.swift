import CairnChain
import CairnCrypto
import CairnMarket
import Testing

/// The same blocks give the same state, byte for byte; the block builder and block application agree (both run
/// the end-of-block settlement).
@Suite struct MarketDeterminismTests {
    static func run(_ f: MarketFixture) throws -> [Key256] {
        let file = MarketFile.shared
        var state = try f.genesis()
        var digests: [Key256] = []
        try f.commit([f.register(f.p1, on: state), f.register(f.p2, on: state)], on: &state)
        try f.commit(
            [
                f.tx(
                    f.owner,
                    MarketTransaction.openAgreements(
                        fileID: file.descriptor.fileID,
                        slots: (0..<4).map { file.placement($0, $0 % 2 == 0 ? f.p1 : f.p2) }),
                    on: state)
            ], on: &state)
        for height in 3...20 as ClosedRange<UInt64> {
            let market = MarketState.of(state)
            var txs: [SignedTransaction] = []
            if MarketClock(f.market).offset(of: height) == 1 {
                let due = f.due(f.p1, in: market)
                if !due.isEmpty {
                    let entries = due.map {
                        ProofBatch.Entry(agreementID: $0.agreementID, proof: file.proof($0.challenge))
                    }
                    txs.append(
                        f.tx(f.p1, MarketTransaction.postProofs(epoch: market.epoch, entries: entries), on: state))
                }
            }
            try f.commit(txs, on: &state)
            digests.append(state.digest)
        }
        return digests
    }

    @Test func sameBlocksSameDigest() throws {
        let f = MarketFixture()
        let first = try Self.run(f)
        let second = try Self.run(f)
        #expect(first == second)
        #expect(Set(first).count == first.count)
    }

    @Test func theBuilderSettlesAsBlockApplicationDoes() throws {
        let f = MarketFixture()
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit([f.register(f.p1, on: state)], on: &state)
        try f.commit(
            [
                f.tx(
                    f.owner,
                    MarketTransaction.openAgreements(
                        fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1)]), on: state)
            ], on: &state)
        try f.advance(to: 7, &state)
        // Block 8 settles epoch 1 (a miss).
        let builder = BlockBuilder(rules: f.rules)
        let built = builder.build(
            on: state, proposer: f.validator.publicKey, timeMs: state.lastBlockTimeMs + 500,
            candidates: [])
        let applied = try state.applyingBlock(built.block, rules: f.rules, signaturesVerified: true).get()
        #expect(built.state.digest == applied.digest)
        #expect(MarketState.of(applied).epoch == 2)
        #expect(MarketState.of(applied).agreements(ofOwner: f.owner.publicKey).first?.proofsMissed == 1)
    }
}
