import CairnStorage
import CairnWire
import NIOCore

/// What a `StoreOperation` came to (`PeerEvent.storeCompleted`): one case per operation, or the error the
/// store threw.
public enum StoreOutcome: Sendable {
    /// The shard is stored (durably, for the disk store); `new` is false when only its reference was added.
    case written(new: Bool)
    case shard(ByteBuffer)
    case holding([Bool])
    case proof(leaf: ByteBuffer, path: MerkleProof)
    /// The shard is stored but has no leaf of that index.
    case noSuchLeaf
    case capacity(total: UInt64, used: UInt64, free: UInt64)
    case done
    case blob(ByteBuffer?)
    case placement(descriptor: [UInt8]?, records: [UInt8]?)
    case deleted(shards: Int)
    case confirmed(kept: Int)
    case reclaimed(ShardStore.PendingReclaim)
    /// The rebuilt shards by slot, each checked against its ID.
    case rebuilt([Int: ByteBuffer])
    /// These source slots did not match their IDs: nothing was rebuilt.
    case rebuildRejected([Int])
    case failed(StorageError)
}
