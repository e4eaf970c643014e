import CairnChain
import CairnCrypto
import CairnStorage
import Testing

@testable import CairnMarket

/// The audit sample (`MarketParameters.proofSamplePerProvider`): which agreements are challenged in an epoch,
/// that the ledger refuses a proof for one that is not, and how settlement treats both.
@Suite struct ProofSamplingTests {
    let provider = Identity(seed: [UInt8](repeating: 0x31, count: 32))!
    let owner = Identity(seed: [UInt8](repeating: 0x32, count: 32))!

    /// `count` agreements with `provider`, running from epoch 1 (and `late` more from epoch 6), in a market at
    /// epoch 5 seeded with `seed`; inserted in ascending or descending order.
    func market(_ count: Int, late: Int = 0, seed: Key256, descending: Bool = false) -> MarketState {
        var list: [StorageAgreement] = (0..<(count + late)).map { index in
            StorageAgreement(
                id: SHA256.hash(Array("agreement \(index)".utf8)), owner: owner.publicKey,
                provider: provider.publicKey, fileID: SHA256.hash(Array("file \(index)".utf8)), slot: 0,
                slotRoot: .zero, segmentCount: 1, shardLength: 1 << 20, lastShardLength: 1 << 20,
                startEpoch: index < count ? 1 : 6, endEpoch: 100, pricePerEpoch: Amount(10),
                maxPricePerGiBEpoch: Amount(10), escrow: Amount(1_000), proofsOK: 0, proofsMissed: 0,
                consecutiveMisses: 0, paidTotal: .zero, penaltiesTotal: .zero, state: .active)
        }
        if descending { list.reverse() }
        var agreements: [Key256: StorageAgreement] = [:]
        for agreement in list { agreements[agreement.id] = agreement }
        let providers = [
            provider.publicKey: MarketProvider(
                capacityBytes: 1 << 50, pricePerGiBEpoch: Amount(1), stake: Amount(1_000), address: "127.0.0.1:4100",
                openAgreements: UInt64(count + late))
        ]
        return MarketState(epoch: 5, epochSeed: seed, providers: providers, agreements: agreements)
    }

    func challenged(_ market: MarketState, sample: UInt32) -> Set<Key256> {
        Set(market.agreements.values.filter { market.isChallenged($0, sample: sample, networkSample: .max) }.map(\.id))
    }

    @Test func theThresholdIsFloorOfTwoToThe64TimesSampleOverN() {
        #expect(MarketState.samplingThreshold(sample: 1, challengeable: 2) == 1 << 63)
        #expect(MarketState.samplingThreshold(sample: 128, challengeable: 10_000) == 236_118_324_143_482_260)
        #expect(MarketState.samplingThreshold(sample: 128, challengeable: 128) == .max)
        #expect(MarketState.samplingThreshold(sample: 3, challengeable: 4) == 3 << 62)
    }

    @Test func everyAgreementIsChallengedWhileTheProviderHoldsAtMostTheSample() {
        let seed = SHA256.hash(Array("epoch seed".utf8))
        let market = market(128, late: 500, seed: seed)
        #expect(market.challengeable[provider.publicKey] == 128, "agreements not yet started are not counted")
        let all = challenged(market, sample: 128)
        #expect(all.count == 128)
        #expect(all == Set(market.agreements.values.filter { $0.startEpoch <= 5 }.map(\.id)))
        #expect(challenged(market, sample: 1_000) == all)
        #expect(challenged(market, sample: 64).count < 128)
    }

    /// 100 providers of 100 agreements each: within every provider's sample, so only the network-wide sample
    /// (`maxChallengesPerEpoch`) thins them.
    func network(seed: Key256, onlineUpTo online: Int = 100) -> MarketState {
        var agreements: [Key256: StorageAgreement] = [:]
        var providers: [PublicKey: MarketProvider] = [:]
        for p in 0..<100 {
            let key = Identity(seed: SHA256.hash(Array("provider \(p)".utf8)).bytes)!.publicKey
            providers[key] = MarketProvider(
                capacityBytes: 1 << 50, pricePerGiBEpoch: Amount(1), stake: Amount(1_000), address: "127.0.0.1:4100",
                openAgreements: 100, lastActiveEpoch: p < online ? 5 : 1)
            for a in 0..<100 {
                let id = SHA256.hash(Array("agreement \(p).\(a)".utf8))
                agreements[id] = StorageAgreement(
                    id: id, owner: owner.publicKey, provider: key, fileID: SHA256.hash(Array("file \(a)".utf8)),
                    slot: UInt16(p % 8), slotRoot: .zero, segmentCount: 1, shardLength: 1 << 20,
                    lastShardLength: 1 << 20, startEpoch: 1, endEpoch: 100, pricePerEpoch: Amount(10),
                    maxPricePerGiBEpoch: Amount(10), escrow: Amount(1_000), proofsOK: 0, proofsMissed: 0,
                    consecutiveMisses: 0, paidTotal: .zero, penaltiesTotal: .zero, state: .active)
            }
        }
        return MarketState(epoch: 5, epochSeed: seed, providers: providers, agreements: agreements)
    }

    @Test func theNetworkWideSampleBoundsTheProofsAnEpochCarries() {
        let seed = SHA256.hash(Array("epoch seed".utf8))
        let market = network(seed: seed)
        #expect(market.challengeableTotal == 10_000)
        func challenged(cap: UInt64) -> [StorageAgreement] {
            market.agreements.values.filter { market.isChallenged($0, sample: 128, networkSample: cap) }
        }
        #expect(challenged(cap: 10_000).count == 10_000, "a sample that covers every agreement challenges all")
        // Binomial(10,000, 5 %): mean 500, standard deviation 21.8.
        let sampled = challenged(cap: 500)
        #expect((420...580).contains(sampled.count), "\(sampled.count) challenged")
        // Spread over the providers rather than falling on a few: each holds 1 % of the agreements.
        #expect(Set(sampled.map(\.provider)).count > 90)
        var parameters = MarketParameters.localNetwork
        parameters.maxChallengesPerEpoch = 500
        let due = market.providers.keys.reduce(0) { $0 + market.challenges(for: $1, parameters: parameters).count }
        #expect(due == sampled.count, "the providers' duties are the ledger's sample")
    }

    @Test func anUnchallengedAgreementIsPaidWhileItsProviderIsOnlineAndMarkedForRepairOnceItIsNot() throws {
        // Providers 0..<50 had a transaction commit in epoch 5; the others last in epoch 1, four epochs ago.
        let market = network(seed: SHA256.hash(Array("epoch seed".utf8)), onlineUpTo: 50)
        var parameters = MarketParameters.localNetwork
        parameters.maxChallengesPerEpoch = 100
        var step = MarketStep(parameters: parameters, height: 60, market: market)
        try step.settle(proposer: owner.publicKey, blockHash: .zero)
        var paid = 0
        var marked = 0
        for (id, before) in market.agreements {
            let after = try #require(step.market.agreements[id])
            let online = market.providers[before.provider]!.lastActiveEpoch == 5
            if market.isChallenged(before, parameters: parameters) {
                #expect(after.proofsMissed == 1, "challenged and not proved: a miss, online or not")
            } else if online {
                #expect(after.paidTotal == before.pricePerEpoch && after.state == .active)
                paid += 1
            } else {
                #expect(after.paidTotal == .zero && after.state == .repairNeeded)
                #expect(step.market.repairableIDs.contains(id))
                marked += 1
            }
        }
        #expect(paid > 4_800 && marked > 4_800, "paid \(paid), marked \(marked)")
    }

    @Test func tenThousandAgreementsAreSampledAboutTheSampleAndAlikeOnEveryPeer() {
        let seed = SHA256.hash(Array("epoch seed".utf8))
        let one = market(10_000, seed: seed)
        let other = market(10_000, seed: seed, descending: true)
        let set = challenged(one, sample: 128)
        // Binomial(10,000, 1.28 %): mean 128, standard deviation 11.2.
        #expect((80...180).contains(set.count), "\(set.count) challenged")
        #expect(challenged(other, sample: 128) == set)
        #expect(one.challenges(for: provider.publicKey, parameters: .localNetwork).map(\.agreementID) == set.sorted())
        let next = market(10_000, seed: SHA256.hash(Array("next epoch seed".utf8)))
        let nextSet = challenged(next, sample: 128)
        #expect(nextSet != set, "another epoch, another sample")
        #expect(set.intersection(nextSet).count < 20)
    }

    /// A provider with 16 agreements under a sample of 8: each is challenged in about half of the epochs. The
    /// challenged are proved in even epochs and missed in odd ones; the unchallenged are paid and their record
    /// left alone. A proof for an unchallenged agreement is refused whole. (The chain differs from run to run —
    /// the shared file's key is drawn at random — so the agreements are many enough that every case occurs.)
    @Test func unchallengedArePaidAndKeepTheirRecordChallengedAreProvedOrMissed() throws {
        let f = MarketFixture(sample: 8)
        let file = MarketFile.shared
        var state = try f.genesis()
        func market() -> MarketState { MarketState.of(state) }
        try f.commit([f.register(f.p1, price: 100, stake: 10_000, on: state)], on: &state)
        let opens = (0..<4).map { copy in
            f.tx(
                f.owner,
                MarketTransaction.openAgreements(
                    fileID: SHA256.hash(Array("copy \(copy)".utf8)), slots: (0..<4).map { file.placement($0, f.p1) },
                    durationEpochs: 6, maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(2_000))),
                on: state, nonceOffset: UInt64(copy))
        }
        try f.commit(opens, on: &state)
        #expect(market().openIDs.count == 16)
        let clock = MarketClock(f.market)
        var unchallengedPaid = 0
        var unchallengedKeptARun = 0
        var missed = 0
        var proved = 0
        var refused = 0
        for epoch in 1...5 as ClosedRange<UInt64> {
            try f.advance(to: epoch * f.market.epochBlocks, &state)
            #expect(market().epoch == epoch)
            #expect(market().challengeable[f.p1.publicKey] == 16)
            let before = market()
            let due = f.due(f.p1, in: before)
            let dueIDs = Set(due.map(\.agreementID))
            #expect(dueIDs == Set(before.openIDs.filter { before.isChallenged(before.agreements[$0]!, sample: 8, networkSample: f.market.maxChallengesPerEpoch) }))
            if let spared = before.openAgreementIDs.first(where: { !dueIDs.contains($0) }) {
                let entry = file.proof(for: before.agreements[spared]!, in: before)
                let tx = f.tx(f.p1, MarketTransaction.postProofs(epoch: epoch, entries: [entry]), on: state)
                let reason = try #require(f.refusal(tx, on: state))
                #expect(reason.contains("agreement \(spared.shortHex)… is not challenged this epoch"), "\(reason)")
                refused += 1
            }
            if epoch % 2 == 0, !due.isEmpty {
                let entries = due.map {
                    ProofBatch.Entry(agreementID: $0.agreementID, proof: file.proof($0.challenge))
                }
                let post = f.tx(f.p1, MarketTransaction.postProofs(epoch: epoch, entries: entries), on: state)
                try f.commit([post], on: &state)
            }
            let stakeBefore = market().providers[f.p1.publicKey]!.stake
            let providerBefore = market().providers[f.p1.publicKey]!
            try f.advance(to: (epoch + 1) * f.market.epochBlocks, &state)
            #expect(market().epoch == epoch + 1)
            var penalties = Amount.zero
            for id in before.openAgreementIDs {
                let old = before.agreements[id]!
                let new = try #require(market().agreements[id])
                if !dueIDs.contains(id) {
                    #expect(new.paidTotal.baseUnits == old.paidTotal.baseUnits + old.pricePerEpoch.baseUnits)
                    #expect(new.proofsOK == old.proofsOK)
                    #expect(new.proofsMissed == old.proofsMissed)
                    #expect(new.consecutiveMisses == old.consecutiveMisses)
                    #expect(new.penaltiesTotal == old.penaltiesTotal)
                    unchallengedPaid += 1
                    if old.consecutiveMisses > 0 { unchallengedKeptARun += 1 }
                } else if epoch % 2 == 0 {
                    #expect(new.paidTotal.baseUnits == old.paidTotal.baseUnits + old.pricePerEpoch.baseUnits)
                    #expect(new.proofsOK == old.proofsOK + 1)
                    #expect(new.consecutiveMisses == 0)
                    proved += 1
                } else {
                    #expect(new.paidTotal == old.paidTotal)
                    #expect(new.proofsMissed == old.proofsMissed + 1)
                    #expect(new.consecutiveMisses == old.consecutiveMisses + 1)
                    let penalty = MarketStep(parameters: f.market, height: 0, market: before)
                        .penalty(afterMisses: old.consecutiveMisses + 1)
                    #expect(new.penaltiesTotal.baseUnits == old.penaltiesTotal.baseUnits + penalty.baseUnits)
                    #expect(
                        new.state == (new.consecutiveMisses >= f.market.missesBeforeRepair ? .repairNeeded : old.state))
                    penalties.baseUnits += penalty.baseUnits
                    missed += 1
                }
            }
            let providerAfter = market().providers[f.p1.publicKey]!
            #expect(stakeBefore.baseUnits - providerAfter.stake.baseUnits == penalties.baseUnits)
            let (ok, miss) = epoch % 2 == 0 ? (UInt64(dueIDs.count), UInt64(0)) : (0, UInt64(dueIDs.count))
            #expect(providerAfter.proofsOK == providerBefore.proofsOK + ok)
            #expect(providerAfter.proofsMissed == providerBefore.proofsMissed + miss)
        }
        print(
            "\(unchallengedPaid) unchallenged paid (\(unchallengedKeptARun) kept a run of misses), "
                + "\(proved) proved, \(missed) missed, \(refused) refused")
        #expect(unchallengedPaid > 0)
        #expect(unchallengedKeptARun > 0)
        #expect(proved > 0)
        #expect(missed > 0)
        #expect(refused > 0)
    }

    /// The count `n` is the one taken when the epoch opened: an agreement ended during the epoch does not change
    /// who is challenged in it.
    @Test func theCountIsTakenWhenTheEpochOpens() throws {
        let f = MarketFixture(sample: 2)
        let file = MarketFile.shared
        var state = try f.genesis()
        try f.commit([f.register(f.p1, stake: 10_000, on: state)], on: &state)
        let open = f.tx(
            f.owner,
            MarketTransaction.openAgreements(
                fileID: file.descriptor.fileID, slots: (0..<4).map { file.placement($0, f.p1) }, durationEpochs: 6,
                maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(2_000))), on: state)
        try f.commit([open], on: &state)
        try f.advance(to: f.market.epochBlocks, &state)
        let before = MarketState.of(state)
        let due = f.due(f.p1, in: before).map(\.agreementID)
        let ended = StorageAgreement.id(transactionHash: open.hash, slot: 3)
        try f.commit([f.tx(f.owner, MarketTransaction.end(agreementID: ended), on: state)], on: &state)
        let after = MarketState.of(state)
        #expect(after.challengeable[f.p1.publicKey] == 4)
        #expect(f.due(f.p1, in: after).map(\.agreementID) == due.filter { after.agreements[$0]?.isOpen == true })
        try f.advance(to: 2 * f.market.epochBlocks, &state)
        #expect(MarketState.of(state).challengeable[f.p1.publicKey] == 3)
    }
}
