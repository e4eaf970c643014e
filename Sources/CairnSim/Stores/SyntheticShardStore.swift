import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Synchronization

/// A shard store in memory that keeps, of each shard, only its ID, its length and its references — no bytes
/// (`SyntheticShard` says how such shards travel and are verified). A provider with 10⁴ shards takes a few
/// hundred KiB, so 10⁴ simulated peers fit. Capacity counts the lengths the shards stand for.
public final class SyntheticShardStore: ShardStoring {
    public let capacity: UInt64
    private let ledger: Mutex<ShardLedger<Void>>

    public init(capacity: UInt64) {
        self.capacity = capacity
        ledger = Mutex(ShardLedger(capacity: capacity))
    }

    public func used() throws(StorageError) -> UInt64 { ledger.withLock { $0.used } }
    public func free() throws(StorageError) -> UInt64 { ledger.withLock { $0.free } }

    /// Takes a `SyntheticShard` token for `id`; anything else is refused as bytes that do not hash to the ID.
    public func write(_ bytes: ByteBuffer, id: ShardID, reference: ShardReference, confirmed: Bool, now: Instant)
        throws(StorageError) -> Bool
    {
        guard let token = SyntheticShard(decoding: bytes), token.id == id else {
            let actual = SyntheticShard(decoding: bytes)?.id
                ?? bytes.withUnsafeReadableBytes { ShardCommitment.id(of: $0) }
            throw .shardHashMismatch(shard: id, actual: actual, index: nil)
        }
        return try ledger.withLock { ledger throws(StorageError) in
            try ledger.write(id, size: token.length, payload: {}, reference: reference, confirmed: confirmed, now: now)
        }
    }

    /// The token of the stored shard.
    public func readShard(_ id: ShardID) throws(StorageError) -> ByteBuffer {
        guard let size = ledger.withLock({ $0.entry(id)?.size }) else { throw .shardNotFound(id) }
        return SyntheticShard(id: id, length: size).encoded
    }

    public func contains(_ ids: [ShardID]) throws(StorageError) -> [Bool] {
        ledger.withLock { ledger in ids.map { ledger.entry($0) != nil } }
    }

    /// A store without bytes cannot show a leaf: proofs of storage are for `--payload real`.
    public func proof(leaf: Int, of id: ShardID) throws(StorageError) -> (leaf: [UInt8], path: MerkleProof)? {
        guard ledger.withLock({ $0.entry(id) != nil }) else { throw .shardNotFound(id) }
        throw .invalidProof("shard \(id.hex) is synthetic: it has no bytes to prove")
    }

    public func release(_ id: ShardID, reference: ShardReference) throws(StorageError) -> ShardStore.Release {
        ledger.withLock { $0.release(id, reference: reference) }
    }

    public func confirm(
        file: Key256, owner: PeerID, shards ids: [ShardID], limit: KeptBytesLimit? = nil
    ) throws(StorageError) -> Int {
        try ledger.withLock { ledger throws(StorageError) in
            try ledger.confirm(file: file, owner: owner, shards: ids, limit: limit)
        }
    }

    public func reclaimPending(addedBefore cutoff: Instant) throws(StorageError) -> ShardStore.PendingReclaim {
        ledger.withLock { $0.reclaimPending(addedBefore: cutoff) }
    }
}
