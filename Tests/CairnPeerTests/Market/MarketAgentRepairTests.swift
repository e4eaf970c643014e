import CairnChain
import CairnCrypto
@testable import CairnMarket
import Testing

@testable import CairnPeer

/// Who repairs a repairable slot, when and onto whom (`MarketAgent+Repair.swift`): decided from the committed
/// market alone, so that every peer decides alike.
@Suite struct MarketAgentRepairTests {
    let parameters = MarketParameters.localNetwork
    let identities = (0..<8).map { Identity(seed: [UInt8](repeating: UInt8(0x40 + $0), count: 32))! }
    let fileID = SHA256.hash(Array("repair me".utf8))

    /// Eight providers; slots 0–3 of one file on providers 0–3, slot 3 marked for repair.
    func market() -> (MarketState, StorageAgreement) {
        var providers: [PublicKey: MarketProvider] = [:]
        for (index, identity) in identities.enumerated() {
            providers[identity.publicKey] = MarketProvider(
                capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000), stake: parameters.minProviderStake,
                address: "127.0.0.1:\(4100 + index)", lastActiveEpoch: 4)
        }
        var agreements: [Key256: StorageAgreement] = [:]
        for slot in 0..<4 {
            let agreement = StorageAgreement(
                id: StorageAgreement.id(transactionHash: fileID, slot: UInt16(slot)),
                owner: identities[7].publicKey, provider: identities[slot].publicKey, fileID: fileID,
                slot: UInt16(slot), slotRoot: .zero, segmentCount: 4, shardLength: 32 << 10,
                lastShardLength: 1 << 10, startEpoch: 1, endEpoch: 100, pricePerEpoch: Amount(1),
                maxPricePerGiBEpoch: Amount(20_000), escrow: Amount(1_000_000), proofsOK: 0, proofsMissed: 2,
                consecutiveMisses: slot == 3 ? 2 : 0, paidTotal: .zero, penaltiesTotal: .zero,
                state: slot == 3 ? .repairNeeded : .active)
            agreements[agreement.id] = agreement
        }
        let state = MarketState(epoch: 5, epochSeed: .zero, providers: providers, agreements: agreements)
        return (state, state.repairable[0])
    }

    func agent(_ index: Int, fallback: UInt64 = 4) -> MarketAgent {
        var config = MarketAgentConfig(capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000))
        config.repairFallbackBlocks = fallback
        return MarketAgent(config: config, local: identities[index].publicKey, address: "127.0.0.1:\(4100 + index)")
    }

    func repairs(_ agent: inout MarketAgent, height: Height, market: MarketState) -> [MarketAgent.SlotRepair] {
        agent.planRepairs(height: height, market: market, parameters: parameters)
        return agent.takeEffects().compactMap { if case .repairSlot(let job) = $0 { job } else { nil } }
    }

    @Test func theCountedPositionIsTheSortedOrders() {
        let (market, agreement) = market()
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        for identity in identities {
            #expect(
                MarketAgent.repairPosition(of: identity.publicKey, for: agreement, in: market, parameters: parameters)
                    == order.firstIndex(of: identity.publicKey))
        }
    }

    @Test func everyPeerComputesTheSameOrderAndTarget() throws {
        let (market, agreement) = market()
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        #expect(order.count == 7)
        #expect(!order.contains(identities[3].publicKey))
        // The same from a market whose providers were inserted in another order.
        var shuffled: [PublicKey: MarketProvider] = [:]
        for key in market.providers.keys.sorted(by: { $0.precedes($1) }).reversed() {
            shuffled[key] = market.providers[key]
        }
        let other = MarketState(epoch: 5, epochSeed: .zero, providers: shuffled, agreements: Dictionary(uniqueKeysWithValues: market.agreements.map { ($0.key, $0.value) }))
        #expect(MarketAgent.repairCandidates(for: agreement, in: other, parameters: parameters) == order)
        let target = try #require(MarketAgent.newProvider(for: agreement, in: market, parameters: parameters))
        #expect(MarketAgent.newProvider(for: agreement, in: other, parameters: parameters) == target)
        // Never a provider of another slot of the file, nor the failed one.
        #expect(!identities[0...3].map(\.publicKey).contains(target.key))
        // Exactly one peer acts at the first block: the first of the order.
        var acting: [PublicKey] = []
        for index in 0..<8 {
            var agent = agent(index)
            if !repairs(&agent, height: 100, market: market).isEmpty { acting.append(identities[index].publicKey) }
        }
        #expect(acting == [order[0]])
    }

    @Test func theNextCandidateTakesOverAfterTheFallbackBlocks() throws {
        let (market, agreement) = market()
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        let second = try #require(identities.firstIndex { $0.publicKey == order[1] })
        let third = try #require(identities.firstIndex { $0.publicKey == order[2] })
        var agents = [agent(second), agent(third)]
        var first: [Height?] = [nil, nil]
        // The first candidate is silent: nothing commits, the agreement stays repairable.
        for height in Height(100)...Height(120) {
            for i in agents.indices {
                let jobs = repairs(&agents[i], height: height, market: market)
                if !jobs.isEmpty, first[i] == nil {
                    first[i] = height
                    #expect(jobs[0].agreement.id == agreement.id)
                    #expect(jobs[0].sources.count == 3)
                }
            }
        }
        #expect(first[0] == 104)
        #expect(first[1] == 108)
    }

    @Test func aFailedRepairIsTriedAgainAndARepairedSlotIsForgotten() throws {
        var (market, agreement) = market()
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        let index = try #require(identities.firstIndex { $0.publicKey == order[0] })
        var agent = agent(index)
        let first = try #require(repairs(&agent, height: 10, market: market).first)
        #expect(repairs(&agent, height: 11, market: market).isEmpty)
        agent.repairEnded(agreement.id, .failure(SelfRepairFailure("the new provider did not answer")))
        #expect(repairs(&agent, height: 13, market: market).isEmpty)
        // Tried again onto another provider: the one that failed may be dead.
        let again = try #require(repairs(&agent, height: 14, market: market).first)
        #expect(again.newProvider.key != first.newProvider.key)
        agent.repairEnded(agreement.id, .success(.zero))
        agreement.state = .ended
        market = MarketState(
            epoch: 5, epochSeed: .zero, providers: market.providers,
            agreements: market.agreements.merging([(agreement.id, agreement)]) { $1 })
        #expect(repairs(&agent, height: 40, market: market).isEmpty)
        #expect(agent.repairSeen.isEmpty)
    }

    /// The new provider did not take the shards (it left without withdrawing): another is tried at the next
    /// block, not after the fallback period.
    @Test func aDeadNewProviderIsReplacedAtTheNextBlock() throws {
        let (market, agreement) = market()
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        let index = try #require(identities.firstIndex { $0.publicKey == order[0] })
        var agent = agent(index, fallback: 4)
        let first = try #require(repairs(&agent, height: 10, market: market).first)
        agent.repairEnded(
            agreement.id, .failure(SelfRepairFailure("could not place segment 0", newProviderFailed: true)))
        let again = try #require(repairs(&agent, height: 11, market: market).first)
        #expect(again.newProvider.key != first.newProvider.key)
    }

    /// Providers that are missing proofs now (three killed at once) neither head the repair order nor receive the
    /// rebuilt slot: otherwise every slot would wait a fallback period per dead candidate before it. A first
    /// miss is enough, since a dead provider misses every agreement it holds in the same epoch.
    @Test func providersMissingProofsNeitherRepairNorReceiveTheSlot() throws {
        let (healthy, agreement) = market()
        let before = MarketAgent.repairCandidates(for: agreement, in: healthy, parameters: parameters)
        let target = try #require(MarketAgent.newProvider(for: agreement, in: healthy, parameters: parameters))
        // The first repairer and the first target each miss one epoch of another file's agreement.
        let failing = Set([before[0], target.key])
        var agreements = healthy.agreements
        for (n, key) in failing.sorted(by: { $0.precedes($1) }).enumerated() {
            var other = agreement
            other.id = SHA256.hash(Array("other file \(n)".utf8))
            other.fileID = SHA256.hash(Array("other file".utf8))
            other.provider = key
            other.state = .active
            other.consecutiveMisses = 1
            agreements[other.id] = other
        }
        let market = MarketState(epoch: 5, epochSeed: .zero, providers: healthy.providers, agreements: agreements)
        #expect(MarketAgent.failingProviders(in: market, parameters: parameters) == failing.union([agreement.provider]))
        let order = MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters)
        #expect(order == before.filter { !failing.contains($0) })
        let moved = try #require(MarketAgent.newProvider(for: agreement, in: market, parameters: parameters))
        #expect(!failing.contains(moved.key))
        // The first healthy candidate acts at once, not a fallback period later.
        let first = try #require(identities.firstIndex { $0.publicKey == order[0] })
        var agent = agent(first)
        #expect(repairs(&agent, height: 100, market: market).first?.newProvider.key == moved.key)
    }

    /// A provider that missed proofs and holds nothing any more (its slots were all moved away) is taken for
    /// gone: neither a repairer nor a target. One that never missed, or still holds agreements, is not.
    @Test func aProviderThatMissedAndHoldsNothingIsTakenForGone() throws {
        let (healthy, agreement) = market()
        var providers = healthy.providers
        let gone = identities[5].publicKey
        let idle = identities[6].publicKey
        providers[gone]?.proofsMissed = 2
        providers[gone]?.openAgreements = 0
        providers[idle]?.openAgreements = 0
        let market = MarketState(epoch: 5, epochSeed: .zero, providers: providers, agreements: healthy.agreements)
        let failing = MarketAgent.failingProviders(in: market, parameters: parameters)
        #expect(failing.contains(gone))
        #expect(!failing.contains(idle))
        #expect(!MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters).contains(gone))
        #expect(MarketAgent.newProvider(for: agreement, in: market, parameters: parameters)?.key != gone)
    }

    /// A provider silent on chain for more than `livenessEpochs` (one that left without ever holding an
    /// agreement misses no proof) is neither a repairer nor a target; it comes back once it checks in.
    @Test func anOfflineProviderIsNeitherRepairerNorTarget() throws {
        let (healthy, agreement) = market()
        let nearest = MarketAgent.repairCandidates(for: agreement, in: healthy, parameters: parameters)[0]
        let target = try #require(MarketAgent.newProvider(for: agreement, in: healthy, parameters: parameters))
        var providers = healthy.providers
        for key in [nearest, target.key] { providers[key]?.lastActiveEpoch = 1 }
        let market = MarketState(epoch: 5, epochSeed: .zero, providers: providers, agreements: healthy.agreements)
        #expect(MarketAgent.failingProviders(in: market, parameters: parameters).isSuperset(of: [nearest, target.key]))
        #expect(!MarketAgent.repairCandidates(for: agreement, in: market, parameters: parameters).contains(nearest))
        let moved = try #require(MarketAgent.newProvider(for: agreement, in: market, parameters: parameters))
        #expect(moved.key != target.key && moved.key != nearest)
        providers[nearest]?.lastActiveEpoch = 2
        let back = MarketState(epoch: 5, epochSeed: .zero, providers: providers, agreements: healthy.agreements)
        #expect(MarketAgent.repairCandidates(for: agreement, in: back, parameters: parameters)[0] == nearest)
    }

    /// Two slots of one file repairable at once (two of its providers died together): every peer plans them onto
    /// different providers, so that the two keepers acting at the same height do not both choose the nearest.
    @Test func slotsRepairableAtOnceGoToDifferentProviders() throws {
        let (one, agreement) = market()
        var agreements = one.agreements
        var second = try #require(one.agreements.values.first { $0.slot == 2 })
        second.state = .repairNeeded
        second.consecutiveMisses = 2
        agreements[second.id] = second
        let market = MarketState(epoch: 5, epochSeed: .zero, providers: one.providers, agreements: agreements)
        let failing = MarketAgent.failingProviders(in: market, parameters: parameters)
        let planned = MarketAgent.plannedTargets(
            market.repairable, in: market, parameters: parameters, failing: failing)
        let first = try #require(planned[second.id])
        let other = try #require(planned[agreement.id])
        #expect(first.key != other.key)
        #expect(first == MarketAgent.newProvider(for: second, in: market, parameters: parameters), "lower slot first")
        // And each slot's first repairer sends it there.
        for repairable in [second, agreement] {
            let order = MarketAgent.repairCandidates(for: repairable, in: market, parameters: parameters)
            let index = try #require(identities.firstIndex { $0.publicKey == order[0] })
            var agent = agent(index)
            let jobs = repairs(&agent, height: 100, market: market)
            let job = try #require(jobs.first { $0.agreement.id == repairable.id })
            #expect(job.newProvider.key == planned[repairable.id]?.key)
        }
    }
}
