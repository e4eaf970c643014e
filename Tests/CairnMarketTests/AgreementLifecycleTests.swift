import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import Testing

/// One agreement's life, block by block, with the balances and market records expected after each step and the
/// supply conserved after every block (`MarketFixture.commit`).
@Suite struct AgreementLifecycleTests {
    @Test func registerOpenProveMissPenalizeRepairRenewEndExpire() throws {
        let f = MarketFixture()
        let file = MarketFile.shared
        var state = try f.genesis()
        func market() -> MarketState { MarketState.of(state) }
        func balance(_ who: Identity) -> UInt64 { state.balance(of: who.publicKey).baseUnits }

        // Block 1: three providers register, 1,000 of stake each.
        try f.commit(
            [f.register(f.p1, on: state), f.register(f.p2, on: state), f.register(f.p3, on: state)], on: &state)
        #expect(balance(f.p1) == 100_000 - 10 - 1_000)
        #expect(market().providers[f.p1.publicKey]?.stake == Amount(1_000))
        #expect(state.escrow[MarketExtension.kind] == Amount(3_000))

        // Block 2: the owner opens slot 0 with p1 and slot 1 with p2 for 6 epochs: 1 GiB (rounded up) × 1,000 ×
        // 6 = 6,000 each, from epoch 1 to 7.
        let open = f.tx(
            f.owner,
            MarketTransaction.openAgreements(
                fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1), file.placement(1, f.p2)],
                durationEpochs: 6, maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(2_000))), on: state)
        try f.commit([open], on: &state)
        let a = StorageAgreement.id(transactionHash: open.hash, slot: 0)
        let b = StorageAgreement.id(transactionHash: open.hash, slot: 1)
        #expect(balance(f.owner) == 100_000 - 10 - 12_000)
        #expect(market().agreements[a]?.escrow == Amount(6_000))
        #expect(market().agreements[a]?.startEpoch == 1)
        #expect(market().agreements[a]?.endEpoch == 7)
        #expect(
            market().agreements[a]?.sizeBytes
                == UInt64(
                    (0..<file.descriptor.segmentCount).map(file.descriptor.shardLength(ofSegment:)).reduce(0, +)))
        #expect(market().providers[f.p1.publicKey]?.usedBytes == market().agreements[a]?.sizeBytes)
        #expect(f.due(f.p1, in: market()).isEmpty, "not challenged before its start epoch")

        // Epoch 0 settles nothing; epoch 1 opens at block 5.
        try f.advance(to: 4, &state)
        #expect(market().epoch == 1)
        #expect(f.due(f.p1, in: market()).map(\.agreementID) == [a])
        let validatorBefore = state.balance(of: f.validator.publicKey).baseUnits

        // Epoch 1: p1 proves, p2 does not. Settlement: p1 gets 900, the proposer 100; p2 loses 10 of stake into
        // agreement b's escrow.
        try f.commit(
            [
                f.tx(
                    f.p1,
                    MarketTransaction.postProofs(
                        epoch: 1, entries: [file.proof(for: market().agreements[a]!, in: market())]), on: state)
            ], on: &state)
        #expect(market().provedThisEpoch == [a])
        try f.advance(to: 8, &state)
        #expect(balance(f.p1) == 100_000 - 10 - 1_000 - 10 + 900)
        #expect(state.balance(of: f.validator.publicKey).baseUnits == validatorBefore + 10 + 100)
        #expect(market().agreements[a]?.escrow == Amount(5_000))
        #expect(market().agreements[a]?.paidTotal == Amount(1_000))
        #expect(market().agreements[b]?.escrow == Amount(6_010))
        #expect(market().agreements[b]?.consecutiveMisses == 1)
        #expect(market().agreements[b]?.state == .active)
        #expect(market().providers[f.p2.publicKey]?.stake == Amount(990))
        let warnings = market().status(ofProvider: f.p2.publicKey, parameters: f.market)?.warnings ?? []
        #expect(warnings.contains { $0.contains("1 more and it is marked for repair") }, "\(warnings)")

        // Epoch 2: the same; p2's second miss costs 20 and marks b for repair.
        try f.commit(
            [
                f.tx(
                    f.p1,
                    MarketTransaction.postProofs(
                        epoch: 2, entries: [file.proof(for: market().agreements[a]!, in: market())]), on: state)
            ], on: &state)
        try f.advance(to: 12, &state)
        #expect(market().agreements[b]?.state == .repairNeeded)
        #expect(market().agreements[b]?.escrow == Amount(6_030))
        #expect(market().providers[f.p2.publicKey]?.stake == Amount(970))
        #expect(market().providers[f.p2.publicKey]?.score == 0)
        #expect(market().providers[f.p1.publicKey]?.score == 1000)
        #expect(market().repairable.map(\.id) == [b])

        // Epoch 3: a keeper moves b to p3 (epochs 4..<7, 3,000 needed); the fee is 5 % of 6,030 = 301. The owner
        // renews a by 2 epochs; p1 proves.
        // Not onto p1, which holds slot 0 of the file: one provider lost must cost one slot.
        let ontoHolder = f.tx(
            f.keeper, MarketTransaction.repair(agreementID: b, newProvider: f.p1.publicKey), on: state)
        #expect(f.refusal(ontoHolder, on: state)?.contains("already holds slot 0 of file") == true)
        let repair = f.tx(f.keeper, MarketTransaction.repair(agreementID: b, newProvider: f.p3.publicKey), on: state)
        let renew = f.tx(f.owner, MarketTransaction.renew(agreementID: a, extraEpochs: 2), on: state)
        let prove3 = f.tx(
            f.p1,
            MarketTransaction.postProofs(epoch: 3, entries: [file.proof(for: market().agreements[a]!, in: market())]),
            on: state)
        try f.commit([repair, renew, prove3], on: &state)
        let c = StorageAgreement.id(transactionHash: repair.hash, slot: 1)
        #expect(balance(f.keeper) == 100_000 - 10 + 301)
        #expect(market().agreements[b]?.state == .ended)
        #expect(market().agreements[c]?.provider == f.p3.publicKey)
        #expect(market().agreements[c]?.escrow == Amount(6_030 - 301))
        #expect(market().agreements[c]?.startEpoch == 4)
        #expect(market().agreements[c]?.endEpoch == 7)
        #expect(market().agreements[c]?.slotRoot == file.descriptor.slotRoot(1))
        #expect(market().providers[f.p2.publicKey]?.usedBytes == 0)
        #expect(market().agreements[a]?.endEpoch == 9)
        #expect(market().agreements[a]?.escrow == Amount(4_000 + 2_000))
        #expect(balance(f.owner) == 100_000 - 10 - 12_000 - 10 - 2_000)

        // p2, with nothing open, withdraws: its stake (less 30 of penalties) returns.
        try f.commit([f.tx(f.p2, MarketTransaction.withdrawProvider(), on: state)], on: &state)
        #expect(market().providers[f.p2.publicKey] == nil)
        #expect(balance(f.p2) == 100_000 - 10 - 1_000 - 10 + 970)

        // Block 16 is past epoch 3's window: a proof there is late.
        try f.advance(to: 15, &state)
        let late = f.tx(
            f.p1,
            MarketTransaction.postProofs(epoch: 3, entries: [file.proof(for: market().agreements[a]!, in: market())]),
            on: state)
        #expect(f.refusal(late, on: state)?.contains("late") == true)
        try f.advance(to: 16, &state)

        // Epoch 4: both prove.
        try f.commit(
            [
                f.tx(
                    f.p1,
                    MarketTransaction.postProofs(
                        epoch: 4, entries: [file.proof(for: market().agreements[a]!, in: market())]), on: state),
                f.tx(
                    f.p3,
                    MarketTransaction.postProofs(
                        epoch: 4, entries: [file.proof(for: market().agreements[c]!, in: market())]), on: state),
            ], on: &state)
        try f.advance(to: 20, &state)
        #expect(market().agreements[c]?.escrow == Amount(5_729 - 1_000))
        #expect(balance(f.p3) == 100_000 - 10 - 1_000 - 10 + 900)

        // Block 21: the owner ends a; its 4,000 left return.
        try f.commit([f.tx(f.owner, MarketTransaction.end(agreementID: a), on: state)], on: &state)
        #expect(market().agreements[a]?.state == .ended)
        #expect(market().providers[f.p1.publicKey]?.openAgreements == 0)
        #expect(balance(f.owner) == 100_000 - 10 - 12_000 - 10 - 2_000 - 10 + 4_000)

        // Epochs 5 and 6: p3 misses twice (10, then 20); c expires with epoch 6 and its escrow, penalties
        // included, returns to the owner.
        try f.advance(to: 28, &state)
        #expect(market().agreements[c]?.state == .expired)
        #expect(market().agreements[c]?.escrow == .zero)
        #expect(market().agreements[c]?.penaltiesTotal == Amount(30))
        #expect(balance(f.owner) == 100_000 - 10 - 12_000 - 10 - 2_000 - 10 + 4_000 + 4_729 + 30)
        #expect(market().providers[f.p3.publicKey]?.stake == Amount(970))
        #expect(market().providers[f.p3.publicKey]?.usedBytes == 0)
        #expect(state.escrow[MarketExtension.kind] == Amount(1_000 + 970))
        #expect(market().agreements(ofFile: file.descriptor.fileID).map(\.slot) == [0, 1, 1])
        #expect(market().agreements(ofOwner: f.owner.publicKey).count == 3)
    }

    @Test func openingIsRefusedWithTheReason() throws {
        let f = MarketFixture()
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit(
            [f.register(f.p1, price: 5_000, on: state), f.register(f.p2, capacity: 1_000, on: state)], on: &state)
        func openRefusal(_ slots: [SlotPlacement], duration: UInt64 = 6, max: UInt64 = 10_000, by who: Identity? = nil)
            -> String?
        {
            f.refusal(
                f.tx(
                    who ?? f.owner,
                    MarketTransaction.openAgreements(
                        fileID: file.descriptor.fileID, slots: slots, durationEpochs: duration,
                        maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(max))), on: state), on: state)
        }
        #expect(openRefusal([file.placement(0, f.p3)])?.contains("not a registered provider") == true)
        #expect(openRefusal([file.placement(0, f.p2)])?.contains("bytes free") == true)
        #expect(openRefusal([file.placement(0, f.p1)], max: 4_000)?.contains("above the owner's maximum") == true)
        #expect(openRefusal([file.placement(0, f.p1), file.placement(0, f.p1)])?.contains("listed twice") == true)
        // 5,000 × 30 epochs = 150,000 needed; the owner has 100,000 (less the fee).
        let poor = openRefusal([file.placement(0, f.p1)], duration: 30)
        #expect(poor?.contains("150000 base units are needed in escrow") == true, "\(poor ?? "")")
        #expect(openRefusal([file.placement(0, f.p1)]) == nil)
        // Registering below the minimum stake, twice, or at a bad address.
        #expect(f.refusal(f.register(f.p3, stake: 999, on: state), on: state)?.contains("below the minimum") == true)
        #expect(f.refusal(f.register(f.p1, on: state), on: state)?.contains("already a provider") == true)
        let badAddress = f.tx(
            f.p3,
            MarketTransaction.registerProvider(
                capacityBytes: 1, pricePerGiBEpoch: .zero, stake: Amount(1_000), address: "nowhere"), on: state)
        #expect(f.refusal(badAddress, on: state)?.contains("not host:port") == true)
        // The mempool's check says the same without applying.
        let ext = MarketExtension(parameters: f.market)
        let tx = f.tx(
            f.owner,
            MarketTransaction.openAgreements(
                fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1)], durationEpochs: 30), on: state)
        guard case .extension(_, let payload) = tx.transaction.kind else { return }
        let call = ExtensionCall(sender: f.owner.publicKey, payload: payload, height: 2, transactionHash: tx.hash)
        #expect(ext.check(call, in: state)?.contains("150000 base units are needed in escrow") == true)
    }

    /// The price is by the byte: a slot of a few KiB costs its share of a GiB's price, rounded up to a base
    /// unit, whatever the free allowance (which only lets a provider take shards outside the market).
    @Test func agreementsArePricedByTheByteEvenWithinTheFreeAllowance() throws {
        var f = MarketFixture()
        f.market.freeAllowanceBytes = 1 << 20
        f.params.market = f.market
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit([f.register(f.p1, on: state)], on: &state)
        try f.commit(
            [
                f.tx(
                    f.owner,
                    MarketTransaction.openAgreements(
                        fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1), file.placement(1, f.p1)]),
                    on: state)
            ],
            on: &state)
        let agreements = MarketState.of(state).agreements(ofOwner: f.owner.publicKey)
        let provider = try #require(MarketState.of(state).providers[f.p1.publicKey])
        for agreement in agreements {
            let exact = Double(provider.pricePerGiBEpoch.baseUnits) * Double(agreement.sizeBytes) / Double(1 << 30)
            #expect(agreement.pricePerEpoch.baseUnits == UInt64(exact.rounded(.up)))
            #expect(agreement.pricePerEpoch > .zero)
        }
        #expect(state.heldTotal() == state.totalSupply)
    }
}

@Suite struct PenaltyTests {
    /// base × 2^(run − 1), capped: 10, 20, 40, 40, … into the agreement's escrow; marked for repair at the
    /// second miss and still penalized after; a proof resets the run.
    @Test func penaltiesDoubleUpToTheCap() throws {
        let f = MarketFixture()
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit([f.register(f.p1, on: state)], on: &state)
        let open = f.tx(
            f.owner,
            MarketTransaction.openAgreements(
                fileID: file.descriptor.fileID, slots: [file.placement(0, f.p1)], durationEpochs: 10), on: state)
        try f.commit([open], on: &state)
        let id = StorageAgreement.id(transactionHash: open.hash, slot: 0)
        var stakes: [UInt64] = []
        for epoch in 1...5 as ClosedRange<UInt64> {
            try f.advance(to: epoch * 4 + 4, &state)
            stakes.append(MarketState.of(state).providers[f.p1.publicKey]!.stake.baseUnits)
        }
        #expect(stakes == [990, 970, 930, 890, 850])
        let agreement = try #require(MarketState.of(state).agreements[id])
        #expect(agreement.state == .repairNeeded)
        #expect(agreement.penaltiesTotal == Amount(150))
        #expect(agreement.escrow == Amount(10_000 + 150))
        // A proof in epoch 6 resets the run: the next miss costs 10 again.
        try f.advance(to: 24, &state)
        let market = MarketState.of(state)
        try f.commit(
            [
                f.tx(
                    f.p1, MarketTransaction.postProofs(epoch: 6, entries: [file.proof(for: agreement, in: market)]),
                    on: state)
            ],
            on: &state)
        try f.advance(to: 32, &state)
        #expect(MarketState.of(state).providers[f.p1.publicKey]?.stake == Amount(850 - 10))
        #expect(MarketState.of(state).agreements[id]?.consecutiveMisses == 1)
        #expect(MarketState.of(state).agreements[id]?.proofsOK == 1)
    }
}
