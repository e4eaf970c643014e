import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import Testing

/// Proofs posted on chain against real descriptors and shards: valid ones count, a wrong leaf, path or root is
/// counted invalid (the batch still applies), a late or wrong-epoch batch is refused.
@Suite struct ProofVerificationTests {
    /// A chain in epoch 1 (height 4 applied) with slots 0 and 1 of the shared file placed on p1; `wrongRoot`
    /// opens slot 1 with slot 2's root instead.
    static func setUp(wrongRoot: Bool = false) throws -> (MarketFixture, LedgerState, [StorageAgreement]) {
        let f = MarketFixture()
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit([f.register(f.p1, on: state)], on: &state)
        var second = file.placement(1, f.p1)
        if wrongRoot { second.slotRoot = file.descriptor.slotRoot(2) }
        try f.commit(
            [
                f.tx(
                    f.owner,
                    MarketTransaction.openAgreements(
                        fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1), second]), on: state)
            ], on: &state)
        try f.advance(to: 4, &state)
        return (f, state, MarketState.of(state).agreements(ofProvider: f.p1.publicKey).sorted { $0.slot < $1.slot })
    }

    @Test func theChallengeIsTheDescriptorsChallenge() throws {
        let (_, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        for agreement in agreements {
            let seed = SHA256.hash(market.epochSeed.bytes + agreement.id.bytes)
            let expected = StorageChallenge.derive(
                seed: seed, slot: Int(agreement.slot), of: MarketFile.shared.descriptor)
            #expect(agreement.challenge(epochSeed: market.epochSeed) == expected)
        }
    }

    /// Proofs pay no fee (a provider's duty, bounded by its agreements); every other market transaction pays
    /// the chain's minimum, which the fixture sets to 10.
    @Test func proofsPayNoFeeOtherMarketTransactionsDo() throws {
        var (f, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        let entries = agreements.map { MarketFile.shared.proof(for: $0, in: market) }
        let before = state.balance(of: f.p1.publicKey)
        let free = f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: entries), on: state, fee: .zero)
        #expect(f.refusal(free, on: state) == nil)
        try f.commit([free], on: &state)
        #expect(state.balance(of: f.p1.publicKey) == before)
        #expect(Set(MarketState.of(state).provedThisEpoch) == Set(agreements.map(\.id)))
        let unpaid = f.tx(f.p1, MarketTransaction.withdrawProvider(), on: state, fee: .zero)
        #expect(f.refusal(unpaid, on: state)?.contains("below the minimum fee") == true)
    }

    @Test func validProofsCount() throws {
        var (f, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        let entries = agreements.map { MarketFile.shared.proof(for: $0, in: market) }
        try f.commit([f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: entries), on: state)], on: &state)
        #expect(Set(MarketState.of(state).provedThisEpoch) == Set(agreements.map(\.id)))
        #expect(f.due(f.p1, in: MarketState.of(state)).isEmpty)
        #expect(MarketState.of(state).providers[f.p1.publicKey]?.proofsInvalid == 0)
    }

    enum Corruption: String, CaseIterable, Sendable { case leaf, shardPath, slotPath, shardID, otherChallenge }

    @Test(arguments: Corruption.allCases)
    func aBadProofIsCountedInvalidAndTheRestStand(_ corruption: Corruption) throws {
        var (f, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        var bad = MarketFile.shared.proof(for: agreements[0], in: market)
        switch corruption {
        case .leaf: bad.proof.leafBytes[0] ^= 1
        case .shardPath: bad.proof.shardPath.path[0] = SHA256.hash([1])
        case .slotPath: bad.proof.slotPath.path[0] = SHA256.hash([2])
        case .shardID: bad.proof.shardID = SHA256.hash([3])
        case .otherChallenge:
            var challenge = agreements[0].challenge(epochSeed: market.epochSeed)
            challenge.leaf = challenge.leaf == 0 ? 1 : 0
            bad.proof = MarketFile.shared.proof(challenge)
        }
        let good = MarketFile.shared.proof(for: agreements[1], in: market)
        try f.commit([f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: [bad, good]), on: state)], on: &state)
        #expect(MarketState.of(state).provedThisEpoch == [agreements[1].id])
        #expect(MarketState.of(state).providers[f.p1.publicKey]?.proofsInvalid == 1)
        // Settled as a miss.
        try f.advance(to: 8, &state)
        #expect(MarketState.of(state).agreements[agreements[0].id]?.proofsMissed == 1)
        #expect(MarketState.of(state).agreements[agreements[1].id]?.proofsOK == 1)
    }

    @Test func aProofAgainstTheWrongRootIsInvalid() throws {
        var (f, state, agreements) = try Self.setUp(wrongRoot: true)
        let market = MarketState.of(state)
        let entries = agreements.map { MarketFile.shared.proof(for: $0, in: market) }
        try f.commit([f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: entries), on: state)], on: &state)
        #expect(MarketState.of(state).provedThisEpoch == [agreements[0].id])
        #expect(MarketState.of(state).providers[f.p1.publicKey]?.proofsInvalid == 1)
    }

    /// The owner ends one agreement after its provider gathered the epoch's proofs: the batch that lists it
    /// still applies, the ended one is skipped (nothing paid, nothing counted invalid), the other is proved.
    @Test func aBatchListingAnAgreementEndedMeanwhileStandsForTheOthers() throws {
        var (f, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        let entries = agreements.map { MarketFile.shared.proof(for: $0, in: market) }
        let batch = f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: entries), on: state)
        try f.commit([f.tx(f.owner, MarketTransaction.end(agreementID: agreements[0].id), on: state)], on: &state)
        try f.commit([batch], on: &state)
        let after = MarketState.of(state)
        #expect(after.provedThisEpoch == [agreements[1].id])
        #expect(after.providers[f.p1.publicKey]?.proofsInvalid == 0)
        #expect(after.agreements[agreements[0].id]?.state == .ended)
    }

    @Test func lateEarlyForeignAndDuplicateBatchesAreRefused() throws {
        var (f, state, agreements) = try Self.setUp()
        let market = MarketState.of(state)
        let entry = MarketFile.shared.proof(for: agreements[0], in: market)
        let lastEpoch = f.tx(f.p1, MarketTransaction.postProofs(epoch: 0, entries: [entry]), on: state)
        #expect(f.refusal(lastEpoch, on: state)?.contains("late: proofs for epoch 0") == true)
        let nextEpoch = f.tx(f.p1, MarketTransaction.postProofs(epoch: 2, entries: [entry]), on: state)
        #expect(f.refusal(nextEpoch, on: state)?.contains("early") == true)
        let twice = f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: [entry, entry]), on: state)
        #expect(f.refusal(twice, on: state)?.contains("listed twice") == true)
        let foreign = f.tx(f.p2, MarketTransaction.postProofs(epoch: 1, entries: [entry]), on: state)
        #expect(f.refusal(foreign, on: state)?.contains("not a registered provider") == true)
        let unknown = f.tx(
            f.p1,
            MarketTransaction.postProofs(
                epoch: 1, entries: [ProofBatch.Entry(agreementID: SHA256.hash([9]), proof: entry.proof)]), on: state)
        #expect(f.refusal(unknown, on: state)?.contains("no agreement") == true)
        // After the window (blocks 5–7), the right epoch is late too.
        try f.advance(to: 7, &state)
        let afterWindow = f.tx(f.p1, MarketTransaction.postProofs(epoch: 1, entries: [entry]), on: state)
        #expect(f.refusal(afterWindow, on: state)?.contains("window closed at height 7") == true)
    }
}
