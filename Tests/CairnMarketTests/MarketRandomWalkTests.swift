import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import Testing

/// Random market traffic, valid and not, over many epochs: the block builder keeps what applies, and after every
/// block the supply is conserved, the market's escrow equals its stakes and agreements, and applying the built
/// block gives the builder's state. With an audit sample of 128 (every agreement challenged every epoch) and of 1
/// or 2 per provider (most agreements unchallenged in most epochs, paid all the same).
@Suite struct MarketRandomWalkTests {
    @Test(arguments: [(0, 128), (1, 128), (2, 128), (3, 128), (4, 1), (5, 1), (6, 2), (7, 2)] as [(UInt64, UInt32)])
    func conservationUnderRandomTraffic(seed: UInt64, sample: UInt32) throws {
        let f = MarketFixture(sample: sample)
        let file = MarketFile.shared
        let providers = [f.p1, f.p2, f.p3]
        var random = SplitMix(seed: seed)
        var state = try f.genesis()
        let builder = BlockBuilder(rules: f.rules)
        var accepted = 0
        var provedAny = false
        try f.commit(providers.map { f.register($0, price: 50, on: state) }, on: &state)
        for _ in 0..<48 {
            let market = MarketState.of(state)
            var txs: [SignedTransaction] = []
            var offsets: [PublicKey: UInt64] = [:]
            func tx(_ who: Identity, _ kind: TransactionKind) {
                txs.append(f.tx(who, kind, on: state, nonceOffset: offsets[who.publicKey, default: 0]))
                offsets[who.publicKey, default: 0] += 1
            }
            // Most providers answer most of their challenges, a few of them wrongly.
            for who in providers where Int.random(in: 0..<4, using: &random) > 0 {
                let due = f.due(who, in: market).filter { _ in Int.random(in: 0..<8, using: &random) > 0 }
                guard !due.isEmpty else { continue }
                let entries = due.map { item -> ProofBatch.Entry in
                    var proof = file.proof(item.challenge)
                    if Int.random(in: 0..<10, using: &random) == 0 { proof.leafBytes[0] ^= 0xff }
                    return ProofBatch.Entry(agreementID: item.agreementID, proof: proof)
                }
                tx(who, MarketTransaction.postProofs(epoch: market.epoch, entries: entries))
            }
            // Now and then a proof for an agreement the sample left out: refused whole.
            for who in providers where Int.random(in: 0..<8, using: &random) == 0 {
                let due = Set(f.due(who, in: market).map(\.agreementID))
                let other = market.agreements(ofProvider: who.publicKey).first {
                    $0.isOpen && $0.startEpoch <= market.epoch && !due.contains($0.id)
                        && !market.provedThisEpoch.contains($0.id)
                }
                if let other {
                    let entry = file.proof(for: other, in: market)
                    tx(who, MarketTransaction.postProofs(epoch: market.epoch, entries: [entry]))
                }
            }
            for _ in 0..<Int.random(in: 0...6, using: &random) {
                let who = providers.randomElement(using: &random)!
                switch Int.random(in: 0..<9, using: &random) {
                case 0:
                    tx(
                        who,
                        MarketTransaction.registerProvider(
                            capacityBytes: UInt64.random(in: 1...(1 << 20), using: &random),
                            pricePerGiBEpoch: Amount(UInt64.random(in: 0...200, using: &random)),
                            stake: Amount(UInt64.random(in: 900...2_000, using: &random)), address: "10.0.0.1:4100"))
                case 1:
                    let slots = (0..<4).filter { _ in Bool.random(using: &random) }.map {
                        file.placement($0, providers.randomElement(using: &random)!)
                    }
                    tx(
                        f.owner,
                        MarketTransaction.openAgreements(
                            fileID: file.descriptor.fileID, slots: slots,
                            durationEpochs: UInt64.random(in: 0...5, using: &random),
                            maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(UInt64.random(in: 50...300, using: &random)))))
                case 2, 3:
                    tx(
                        f.owner,
                        MarketTransaction.openAgreements(
                            fileID: SHA256.hash([UInt8(truncatingIfNeeded: random.next())]),
                            slots: [file.placement(Int.random(in: 0..<4, using: &random), who)], durationEpochs: 4,
                            maxPricePerGiBEpoch: Amount(MarketFixture.perGiB(300))))
                case 4:
                    if let a = market.agreements(ofOwner: f.owner.publicKey).randomElement(using: &random) {
                        tx(
                            f.owner,
                            MarketTransaction.renew(
                                agreementID: a.id, extraEpochs: UInt64.random(in: 0...3, using: &random)))
                    }
                case 5:
                    if let a = market.agreements(ofOwner: f.owner.publicKey).randomElement(using: &random) {
                        tx(f.owner, MarketTransaction.end(agreementID: a.id))
                    }
                case 6:
                    if let a = market.repairable.randomElement(using: &random) {
                        tx(f.keeper, MarketTransaction.repair(agreementID: a.id, newProvider: who.publicKey))
                    }
                case 7:
                    if Int.random(in: 0..<4, using: &random) == 0 { tx(who, MarketTransaction.withdrawProvider()) }
                default:
                    tx(
                        who,
                        MarketTransaction.updateProvider(
                            capacityBytes: UInt64.random(in: 1...(1 << 21), using: &random),
                            pricePerGiBEpoch: Amount(UInt64.random(in: 0...200, using: &random)),
                            address: "10.0.0.2:4100", addedStake: Amount(UInt64.random(in: 0...100, using: &random))))
                }
            }
            let built = builder.build(
                on: state, proposer: f.validator.publicKey, timeMs: state.lastBlockTimeMs + 500, candidates: txs)
            accepted += built.block.transactions.count
            let applied = try state.applyingBlock(built.block, rules: f.rules, signaturesVerified: false).get()
            #expect(applied.digest == built.state.digest)
            state = applied
            provedAny = provedAny || !MarketState.of(state).provedThisEpoch.isEmpty
            try f.checkConservation(state)
            // The derived indexes stay what the agreements say, whatever happened to them.
            let now = MarketState.of(state)
            let rebuilt = MarketState(
                epoch: now.epoch, epochSeed: now.epochSeed, providers: now.providers, agreements: now.agreements)
            #expect(now.openIDs == rebuilt.openIDs)
            #expect(now.openByProvider == rebuilt.openByProvider)
            #expect(now.repairableIDs == rebuilt.repairableIDs)
            #expect(now.openByFile == rebuilt.openByFile)
            // Asked of every state in turn: an answer shared by copies of one state (`MarketViews`) never
            // outlives the state it was worked out from.
            #expect(now.repairable.map(\.id) == rebuilt.repairable.map(\.id))
        }
        let final = MarketState.of(state)
        let states = final.agreements.values.map(\.state)
        print(
            "seed \(seed), sample \(sample): \(accepted) transactions, \(final.agreements.count) agreements "
                + "(\(states.filter { $0 == .expired }.count) expired, \(states.filter { $0 == .ended }.count) ended), "
                + "\(final.providers.values.map(\.proofsOK).reduce(0, +)) epochs proved, "
                + "\(final.providers.values.map(\.proofsInvalid).reduce(0, +)) invalid proofs")
        #expect(accepted > 0)
        #expect(MarketState.of(state).epoch == 12)
        #expect(final.agreements.count > 0)
        // Proved at some point: the providers' own counts may all be gone at the end (withdrawn, registered again),
        // and the walk differs from run to run (the shared file's key and nonce are drawn at random).
        #expect(provedAny)
    }
}
