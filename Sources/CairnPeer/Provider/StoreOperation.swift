import CairnStorage
import CairnWire
import NIOCore

/// Disk work the provider machine asks its driver for (`PeerAction.store`). Each one is carried out by
/// `ProviderStores.perform` against the peer's stores and answered with exactly one `StoreOutcome`
/// (`PeerEvent.storeCompleted`). Every decision — whether to store, what to release, whom to answer — was
/// taken before the operation left the machine.
public enum StoreOperation: Sendable {
    /// Store a shard pending for `reference` (the bytes are verified against `id` by the store);
    /// answered `.written`.
    case writeShard(id: ShardID, reference: ShardReference, bytes: ByteBuffer, now: Instant)
    /// Answered `.shard` with the verified bytes.
    case readShard(ShardID)
    /// Answered `.holding`, one flag per ID.
    case containsShards([ShardID])
    /// Answered `.proof`, or `.noSuchLeaf`.
    case proveShard(ShardID, leaf: Int)
    /// Answered `.capacity`.
    case capacity
    /// Keep a blob the machine has checked; answered `.done`.
    case putBlob(kind: BlobKind, key: Key256, bytes: [UInt8], owner: PublicKey?)
    /// Answered `.blob`.
    case getBlob(kind: BlobKind, key: Key256)
    /// The descriptor and the placement records kept for a file, for a merge; answered `.placement`.
    case loadPlacement(fileID: Key256)
    /// Drop `reference` from every listed shard (a shard goes with its last reference), and the file's
    /// descriptor and placement records if `owner` stored them; answered `.deleted`.
    case deleteFile(fileID: Key256, reference: ShardReference, shards: [ShardID], owner: PublicKey)
    /// Confirm `reference` on the listed shards; answered `.confirmed`.
    case confirmShards(reference: ShardReference, shards: [ShardID])
    /// Release the pending references added before `addedBefore`; answered `.reclaimed`.
    case reclaimPending(addedBefore: Instant)
}
