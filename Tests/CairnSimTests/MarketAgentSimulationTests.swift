import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

@testable import CairnSim

/// The market agent inside whole simulated peers (the same machine `cairn run` drives): on a chain whose genesis
/// has a market and a faucet, every peer with the agent on registers as a provider, the validator from its
/// genesis balance and the others after one faucet request each.
@Suite struct MarketAgentSimulationTests {
    @Test func simulatedPeersRegisterAsProvidersOnTheirOwn() throws {
        let peers = 4
        var random = SimRandom(seed: 9)
        let network = SimNetwork(peers: peers, latencyMs: 20, lossRate: 0, linkSalt: random.next())
        let identities = (0..<peers).map { _ in Identity(seed: random.nextBytes(Identity.seedByteCount))! }
        var params = ChainParameters.localNetwork
        params.initialAccounts = [identities[0].publicKey.address: Amount(1_000_000_000_000)]
        params.initialValidators = [identities[0].publicKey.address: params.minValidatorStake]
        let market = try #require(params.market)
        let rules = LedgerRules(
            params: params, chainID: ChainID(SHA256.hash(Array("market agent sim".utf8))),
            extensions: LedgerExtensions([MarketExtension(parameters: market)]))
        var machines: [PeerMachine] = []
        for (index, identity) in identities.enumerated() {
            var config = PeerMachineConfig(bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)])
            config.market = MarketAgentConfig(capacityBytes: 1 << 30, pricePerGiBEpoch: Amount(10_000))
            let chain = try ChainMachine(rules: rules, identity: identity, localPeer: identity.peerID)
            machines.append(PeerMachine(identity: identity, config: config, chain: chain))
        }
        var simulator = PeerSimulator(machines: machines, network: network, random: random)
        for index in 0..<peers { simulator.start(index, at: Int64(index) * 100_000_000) }
        let second: Int64 = 1_000_000_000
        simulator.run(until: 20 * second)

        let asked = simulator.command(.market(.snapshot), to: peers - 1, at: 20 * second)
        simulator.run(until: 21 * second)
        let result = simulator.delivered.first { $0.command == asked }?.result
        guard case .market(.snapshot(let snapshot))? = result else {
            Issue.record("no market snapshot: \(String(describing: result))")
            return
        }
        print("market agent sim: \(snapshot.state.providers.count) providers at height \(snapshot.height)")
        for identity in identities {
            let provider = snapshot.state.providers[identity.publicKey]
            #expect(provider?.stake == market.minProviderStake)
            #expect(provider?.capacityBytes == 1 << 30)
        }
        // Peer 3's balance: one faucet request, less the stake and two fees; nothing was sent twice.
        let faucet = try #require(params.faucet).amount.baseUnits
        #expect(snapshot.balance.baseUnits == faucet - market.minProviderStake.baseUnits - 2 * params.minFee.baseUnits)
    }

    /// A provider holding three of the four slots it agreed to store proves them every epoch and is paid; the
    /// fourth slot, whose shards it lost, misses every epoch and is marked for repair after two.
    @Test func aSimulatedProviderProvesWhatItHoldsAndMissesWhatItLost() throws {
        let peers = 4
        var random = SimRandom(seed: 11)
        let network = SimNetwork(peers: peers, latencyMs: 20, lossRate: 0, linkSalt: random.next())
        let identities = (0..<peers).map { _ in Identity(seed: random.nextBytes(Identity.seedByteCount))! }
        let owner = Identity(seed: [UInt8](repeating: 0x0a, count: 32))!
        var params = ChainParameters.localNetwork
        params.initialAccounts = [
            identities[0].publicKey.address: Amount(1_000_000_000_000), owner.publicKey.address: Amount(1_000_000_000),
        ]
        params.initialValidators = [identities[0].publicKey.address: params.minValidatorStake]
        let market = try #require(params.market)
        let chainID = ChainID(SHA256.hash(Array("market agent proofs sim".utf8)))
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
            // Marking only: the repair that follows is `SelfRepairSimulationTests`'.
            config.market?.selfRepair = false
            let chain = try ChainMachine(rules: rules, identity: identity, localPeer: identity.peerID)
            machines.append(PeerMachine(identity: identity, config: config, chain: chain))
            let shards = MemoryShardStore(capacity: 1 << 30)
            let blobs = MemoryBlobStore()
            // Every peer keeps the descriptor; peer 1 holds slots 0–2 of every segment, not slot 3.
            blobs.put(kind: .descriptor, key: fileID, bytes: file.descriptor.encoded(), owner: owner.publicKey)
            if index == 1 {
                for (segment, row) in file.shards.enumerated() {
                    for slot in 0..<3 {
                        _ = try shards.write(
                            ByteBuffer(bytes: row[slot]), id: file.descriptor.shardIDs(ofSlot: slot)[segment],
                            reference: ShardReference(file: fileID, owner: owner.peerID), confirmed: true, now: .zero)
                    }
                }
            }
            stores.append(ProviderStores(shards: shards, blobs: blobs))
        }
        var simulator = PeerSimulator(machines: machines, stores: stores, network: network, random: random)
        for index in 0..<peers { simulator.start(index, at: Int64(index) * 100_000_000) }
        let second: Int64 = 1_000_000_000
        simulator.run(until: 15 * second)

        // The owner opens the four slots with peer 1.
        let slots = (0..<4).map { SlotPlacement(slot: $0, of: file.descriptor, provider: identities[1].publicKey) }
        let open = SignedTransaction(
            signing: Transaction(
                chainID: chainID, sender: owner.publicKey, nonce: 0, fee: params.minFee,
                kind: MarketTransaction.openAgreements(fileID: fileID, slots: slots)),
            with: owner)
        _ = simulator.command(.chain(.submit(open.encoded)), to: 0, at: 15 * second)
        // Blocks every 0.5 s, epochs of 10: the agreements are challenged from the next epoch on.
        simulator.run(until: 45 * second)
        let asked = simulator.command(.market(.snapshot), to: 1, at: 45 * second)
        simulator.run(until: 46 * second)
        guard case .market(.snapshot(let snapshot))? = simulator.delivered.first(where: { $0.command == asked })?.result
        else {
            Issue.record("no market snapshot")
            return
        }
        let agreements = snapshot.state.agreements(ofFile: fileID)
        try #require(agreements.count == 4)
        let summary = agreements.map { "slot \($0.slot): \($0.proofsOK) ok \($0.proofsMissed) missed \($0.state)" }
        print("market agent sim at height \(snapshot.height): \(summary.joined(separator: "; "))")
        for agreement in agreements where agreement.slot < 3 {
            #expect(agreement.proofsOK >= 2, "slot \(agreement.slot)")
            #expect(agreement.proofsMissed == 0, "slot \(agreement.slot)")
        }
        let lost = try #require(agreements.first { $0.slot == 3 })
        #expect(lost.proofsOK == 0)
        #expect(lost.proofsMissed >= 2)
        #expect(lost.state == .repairNeeded)
        #expect(snapshot.providerStatus?.warnings.contains { $0.contains("marked for repair") } == true)
    }
}

/// A real file (a 2-of-4 code, four segments) and its shards.
struct SimTestFile {
    var descriptor: Descriptor
    /// shards[segment][slot]
    var shards: [[[UInt8]]]

    static func make() throws -> SimTestFile {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        var pipeline = try PutPipeline(parameters: parameters)
        var bytes = [UInt8](repeating: 0, count: 200_000)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31 &+ i >> 8) }
        var encoded = try pipeline.append(bytes)
        if let last = try pipeline.finish() { encoded.append(last) }
        let descriptor = try Descriptor(
            fileSize: pipeline.fileSize, parameters: parameters, fileNonce: pipeline.fileNonce,
            shardIDs: encoded.map(\.shardIDs), created: .seconds(1_700_000_000),
            metadata: FileMetadata(name: "sim.bin"), fileKey: pipeline.fileKey,
            owner: Identity(seed: [UInt8](repeating: 0x0a, count: 32))!)
        return SimTestFile(
            descriptor: descriptor, shards: encoded.map { s in (0..<s.shardCount).map { s.shardBytes($0) } })
    }
}
