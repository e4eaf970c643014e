@testable import CairnSim
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// Simulated peers answer storage requests with the provider side of their machines, their store operations
/// carried out against in-memory stores.
@Suite struct SimulatedStorageTests {
    static let second: Int64 = 1_000_000_000

    func simulator(synthetic: Bool) -> PeerSimulator {
        var random = SimRandom(seed: 5)
        let machines = (0..<2).map { index in
            PeerMachine(identity: Identity(seed: random.nextBytes(Identity.seedByteCount))!,
                        config: PeerMachineConfig(bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)],
                                                  provider: ProviderConfig()))
        }
        let stores = (0..<2).map { _ in
            let shards: any ShardStoring =
                synthetic ? SyntheticShardStore(capacity: 1 << 30) : MemoryShardStore(capacity: 1 << 30)
            return ProviderStores(shards: shards, blobs: MemoryBlobStore())
        }
        var simulator = PeerSimulator(machines: machines, stores: stores,
                                      network: SimNetwork(peers: 2, latencyMs: 10, lossRate: 0, linkSalt: 1),
                                      random: random)
        simulator.start(0, at: 0)
        simulator.start(1, at: 0)
        return simulator
    }

    /// Sends `request` from peer 0 to peer 1 at `time` and runs a second; the answer.
    func ask(_ simulator: inout PeerSimulator, _ request: StorageRequest, at time: Int64) throws -> Response {
        let id = simulator.send(.storage(request), from: 0, to: 1, at: time)
        simulator.run(until: time + Self.second)
        return try #require(simulator.answers.first { $0.id == id }?.response)
    }

    @Test(arguments: [false, true])
    func aShardIsPutGotAndDeletedBetweenTwoSimulatedPeers(synthetic: Bool) throws {
        var simulator = simulator(synthetic: synthetic)
        let owner = Identity.generate()
        let bytes = [UInt8](repeating: 42, count: 10_000)
        let id = ShardCommitment.id(of: bytes)
        let payload = synthetic ? SyntheticShard(id: id, length: 10_000).encoded : ByteBuffer(bytes: bytes)
        let file = Random.key256()

        let put = try ask(&simulator, .putShard(id: id, file: file, owner: owner.publicKey, bytes: payload),
                          at: 2 * Self.second)
        #expect(put == .storage(.stored))
        #expect(try simulator.stores[1]?.shards.used() == 10_000, "a synthetic shard counts the bytes it stands for")

        guard case .storage(.shard(let got)) = try ask(&simulator, .getShard(id: id), at: 4 * Self.second) else {
            Issue.record("the shard was not served")
            return
        }
        if synthetic {
            #expect(SyntheticShard.verifies(got, as: id, length: 10_000))
        } else {
            #expect(got.withUnsafeReadableBytes { ShardCommitment.id(of: $0) } == id)
        }

        let order = DeleteOrder(fileID: Random.key256(), fileNonce: file, shardIDs: [id], owner: owner,
                                issued: .seconds(5))
        #expect(try ask(&simulator, .delete(order), at: 6 * Self.second) == .storage(.deleted(shards: 1)))
        guard case .error(let error) = try ask(&simulator, .getShard(id: id), at: 8 * Self.second) else {
            Issue.record("a deleted shard was served")
            return
        }
        #expect(error.code == .notFound)
    }

    @Test func bytesThatAreNotTheShardAreRefusedByTheSimulatedStore() throws {
        var simulator = simulator(synthetic: false)
        let answer = try ask(&simulator, .putShard(id: Random.key256(), file: Random.key256(),
                                                   owner: Identity.generate().publicKey,
                                                   bytes: ByteBuffer(bytes: [1, 2, 3])), at: 2 * Self.second)
        guard case .error(let error) = answer else {
            Issue.record("a forged shard was stored")
            return
        }
        #expect(error.code == .badRequest)
        #expect(try simulator.stores[1]?.shards.used() == 0)
    }

    @Test func unsettledShardsAreReclaimedOnVirtualTime() throws {
        var simulator = simulator(synthetic: true)
        let id = Random.key256()
        let put = try ask(&simulator, .putShard(id: id, file: Random.key256(), owner: Identity.generate().publicKey,
                                                bytes: SyntheticShard(id: id, length: 500).encoded),
                          at: 2 * Self.second)
        #expect(put == .storage(.stored))
        // Never confirmed: gone within 1¼ grace periods (an hour by default).
        simulator.run(until: 4_600 * Self.second)
        #expect(try simulator.stores[1]?.shards.contains([id]) == [false])
    }
}
