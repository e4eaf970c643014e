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
    /// Drop `reference` from the listed shards alone (a shard goes with its last reference): a closed
    /// agreement's slot; answered `.deleted`.
    case releaseShards(reference: ShardReference, shards: [ShardID])
    /// Confirm `reference` on the listed shards, within `limit` when there is one (no agreement covers the
    /// file: only the free allowance); answered `.confirmed`, or `.failed(.freeAllowanceUsed)` with nothing
    /// changed.
    case confirmShards(reference: ShardReference, shards: [ShardID], limit: KeptBytesLimit?)
    /// Release the pending references added before `addedBefore`; answered `.reclaimed`.
    case reclaimPending(addedBefore: Instant)
    /// Verify k source shards of one segment against their IDs and rebuild the missing ones (Reed–Solomon over
    /// the ciphertext: no key); answered `.rebuilt`, or `.rebuildRejected` with the sources that are corrupt.
    /// Not disk work but CPU work, carried out where the disk work is so that the machine stays light: the
    /// self-healing of issue 9 needs it inside the machine, with no `FileService` around.
    case rebuildShards(ShardRebuild)
}

/// One segment's rebuild (`StoreOperation.rebuildShards`).
public struct ShardRebuild: Sendable {
    public var parameters: CodingParameters
    /// The segment's n shard IDs: the sources are checked against them, the rebuilt shards must match them.
    public var shardIDs: [ShardID]
    public var shardLength: Int
    public var sources: [(slot: Int, bytes: ByteBuffer)]
    public var targets: [Int]

    public init(
        parameters: CodingParameters, shardIDs: [ShardID], shardLength: Int, sources: [(slot: Int, bytes: ByteBuffer)],
        targets: [Int]
    ) {
        self.parameters = parameters
        self.shardIDs = shardIDs
        self.shardLength = shardLength
        self.sources = sources
        self.targets = targets
    }
}
