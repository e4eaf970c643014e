@testable import CairnSim
import CairnCrypto
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// `StoreOperation.releaseShards` (a closed agreement's slot): only the listed shards lose the reference, and a
/// shard another file still references stays.
@Suite struct ReleaseShardsStoreTests {
    @Test func onlyTheListedShardsLoseTheirReference() throws {
        let stores = ProviderStores(shards: MemoryShardStore(capacity: 1 << 20), blobs: MemoryBlobStore())
        let file = ShardReference(file: Random.key256(), owner: Random.key256())
        let other = ShardReference(file: Random.key256(), owner: Random.key256())
        let shards = (0..<3).map { index in ByteBuffer(bytes: [UInt8](repeating: UInt8(index), count: 100)) }
        let ids = shards.map { buffer in buffer.withUnsafeReadableBytes { ShardCommitment.id(of: $0) } }
        for (id, bytes) in zip(ids, shards) {
            _ = stores.perform(.writeShard(id: id, reference: file, bytes: bytes, now: .seconds(1)))
        }
        _ = stores.perform(.writeShard(id: ids[1], reference: other, bytes: shards[1], now: .seconds(1)))

        var deleted: Int?
        if case .deleted(let count) = stores.perform(.releaseShards(reference: file, shards: [ids[0], ids[1]])) {
            deleted = count
        }
        #expect(deleted == 1, "shard 1 is still another file's")
        #expect(try stores.shards.contains(ids) == [false, true, true])
    }
}
