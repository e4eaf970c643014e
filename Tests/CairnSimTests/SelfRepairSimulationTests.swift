import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

@testable import CairnSim

/// Self-healing in whole simulated peers (issue 9 item 5), with the owner offline: its identity opens the
/// agreements and never runs a peer. Slot s of every segment is on peer s + 1; peer 4 lost slot 3, misses,
/// is marked for repair, and the repairer the order picks rebuilds the slot from the others onto peer 0 (the
/// only provider that holds no slot of the file), submits the repair, and peer 0 proves it from then on.
@Suite struct SelfRepairSimulationTests {
    @Test func aLostSlotIsRebuiltOntoAnotherProviderAndProvedThere() throws {
        let peers = 5
        var random = SimRandom(seed: 13)
        let network = SimNetwork(peers: peers, latencyMs: 20, lossRate: 0, linkSalt: random.next())
        let identities = (0..<peers).map { _ in Identity(seed: random.nextBytes(Identity.seedByteCount))! }
        let owner = Identity(seed: [UInt8](repeating: 0x0a, count: 32))!
        var params = ChainParameters.localNetwork
        params.initialAccounts = [
            identities[0].publicKey.address: Amount(1_000_000_000_000), owner.publicKey.address: Amount(1_000_000_000),
        ]
        params.initialValidators = [identities[0].publicKey.address: params.minValidatorStake]
        let market = try #require(params.market)
        let chainID = ChainID(SHA256.hash(Array("self repair sim".utf8)))
        let rules = LedgerRules(
            params: params, chainID: chainID, extensions: LedgerExtensions([MarketExtension(parameters: market)]))
        let file = try SimTestFile.make()
        let fileID = file.descriptor.fileID
        var machines: [PeerMachine] = []
        var stores: [ProviderStores?] = []
        for (index, identity) in identities.enumerated() {
            var config = PeerMachineConfig(
                bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)], provider: ProviderConfig())
            config.market = MarketAgentConfig(capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000))
            config.market?.repairFallbackBlocks = 10
            let chain = try ChainMachine(rules: rules, identity: identity, localPeer: identity.peerID)
            machines.append(PeerMachine(identity: identity, config: config, chain: chain))
            let shards = MemoryShardStore(capacity: 1 << 30)
            let blobs = MemoryBlobStore()
            blobs.put(kind: .descriptor, key: fileID, bytes: file.descriptor.encoded(), owner: owner.publicKey)
            // Peers 1–3 hold slots 0–2; peer 4 lost slot 3.
            if (1...3).contains(index) {
                let slot = index - 1
                for (segment, row) in file.shards.enumerated() {
                    _ = try shards.write(
                        ByteBuffer(bytes: row[slot]), id: file.descriptor.shardIDs(ofSlot: slot)[segment],
                        reference: ShardReference(file: fileID, owner: owner.peerID), confirmed: true, now: .zero)
                }
            }
            stores.append(ProviderStores(shards: shards, blobs: blobs))
        }
        var simulator = PeerSimulator(machines: machines, stores: stores, network: network, random: random)
        for index in 0..<peers { simulator.start(index, at: Int64(index) * 100_000_000) }
        let second: Int64 = 1_000_000_000
        simulator.run(until: 20 * second)

        let slots = (0..<4).map { SlotPlacement(slot: $0, of: file.descriptor, provider: identities[$0 + 1].publicKey) }
        let open = SignedTransaction(
            signing: Transaction(
                chainID: chainID, sender: owner.publicKey, nonce: 0, fee: params.minFee,
                kind: MarketTransaction.openAgreements(fileID: fileID, slots: slots)),
            with: owner)
        _ = simulator.command(.chain(.submit(open.encoded)), to: 0, at: 20 * second)

        var marked: Height?
        var repaired: Height?
        var firstProof: Height?
        var last: MarketSnapshot?
        var time = 21 * second
        while time <= 120 * second, firstProof == nil {
            let asked = simulator.command(.market(.snapshot), to: 2, at: time)
            simulator.run(until: time + second / 2)
            time += second / 2
            guard case .market(.snapshot(let snapshot))? = simulator.delivered.first(where: { $0.command == asked })?
                .result
            else { continue }
            last = snapshot
            let agreements = snapshot.state.agreements(ofFile: fileID).filter { $0.slot == 3 }
            if marked == nil, agreements.contains(where: { $0.state == .repairNeeded }) { marked = snapshot.height }
            if let replacement = agreements.first(where: { $0.provider == identities[0].publicKey }) {
                if repaired == nil { repaired = snapshot.height }
                if replacement.proofsOK > 0 { firstProof = snapshot.height }
            }
        }
        let snapshot = try #require(last)
        let summary = snapshot.state.agreements(ofFile: fileID).map {
            "slot \($0.slot) on \($0.provider.peerID.shortHex): \($0.proofsOK) ok \($0.proofsMissed) missed \($0.state)"
        }
        print("self-repair sim at height \(snapshot.height): marked at \(marked.map { "\($0)" } ?? "-"), repaired at "
            + "\(repaired.map { "\($0)" } ?? "-"), first proof by the new provider at "
            + "\(firstProof.map { "\($0)" } ?? "-"); \(summary.joined(separator: "; "))")
        let markedAt = try #require(marked)
        let repairedAt = try #require(repaired)
        let provedAt = try #require(firstProof)
        #expect(repairedAt > markedAt)
        #expect(provedAt > repairedAt)
        let slot3 = snapshot.state.agreements(ofFile: fileID).filter { $0.slot == 3 }
        #expect(slot3.filter(\.isOpen).count == 1)
        #expect(slot3.contains { $0.provider == identities[4].publicKey && $0.state == .ended })
        // The rebuilt shards are peer 0's, with the descriptor's IDs.
        let held = try stores[0]!.shards.contains(file.descriptor.shardIDs(ofSlot: 3))
        #expect(held.allSatisfy { $0 })
    }
}
