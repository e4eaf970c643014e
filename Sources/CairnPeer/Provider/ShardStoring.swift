import CairnStorage
import CairnWire
import NIOCore

/// Where a provider keeps the shards it stores for other peers (DESIGN.md §2: store protocols in `CairnPeer`).
///
/// `ShardStore` (disk and SQLite) is what `cairn run` uses; the simulator has in-memory ones, one of which
/// keeps only each shard's size and ID. The provider machine decides what to store, release and confirm;
/// an implementation only carries that out, but it owns one check the machine cannot make without the bytes:
/// a write verifies the bytes against the shard ID (`shardHashMismatch` otherwise), so that the SHA-256
/// Merkle tree of a large shard is built on the driver's worker thread, not where the machine runs.
///
/// Methods block (disk, fsync): the network driver calls them on its thread pool, never on an event loop.
public protocol ShardStoring: Sendable {
    /// Most bytes of shards the store accepts.
    var capacity: UInt64 { get }
    /// Bytes of shards stored.
    func used() throws(StorageError) -> UInt64
    /// Bytes that can still be stored.
    func free() throws(StorageError) -> UInt64

    /// Stores `bytes` as shard `id` for `reference`, `confirmed` or pending; false when the shard was already
    /// stored (only the reference is new). Throws `shardHashMismatch` when the bytes are not that shard and
    /// `noCapacity` or `diskFull` when they do not fit.
    @discardableResult
    func write(_ bytes: ByteBuffer, id: ShardID, reference: ShardReference, confirmed: Bool, now: Instant)
        throws(StorageError) -> Bool

    /// The shard's bytes, verified against its ID; `shardNotFound` or `corruptShard` otherwise.
    func readShard(_ id: ShardID) throws(StorageError) -> ByteBuffer

    /// For each ID, whether the shard is stored.
    func contains(_ ids: [ShardID]) throws(StorageError) -> [Bool]

    /// Leaf `leaf` of shard `id` with its Merkle path to the ID (a proof of storage); nil when the shard has no
    /// such leaf. A store that does not keep the bytes cannot prove and throws.
    func proof(leaf: Int, of id: ShardID) throws(StorageError) -> (leaf: [UInt8], path: MerkleProof)?

    /// Drops `reference` from the shard, and the shard with its last reference.
    @discardableResult
    func release(_ id: ShardID, reference: ShardReference) throws(StorageError) -> ShardStore.Release

    /// Confirms the pending references of (`file`, `owner`) on the listed shards; returns how many of them
    /// are now kept confirmed for it. With a `limit`, refused with `freeAllowanceUsed`, changing nothing, when
    /// the bytes of shards kept confirmed afterwards would exceed it (issue 9 item 2).
    @discardableResult
    func confirm(file: Key256, owner: PeerID, shards: [ShardID], limit: KeptBytesLimit?) throws(StorageError) -> Int

    /// Releases the references still pending that were added before `cutoff`.
    @discardableResult
    func reclaimPending(addedBefore cutoff: Instant) throws(StorageError) -> ShardStore.PendingReclaim
}
