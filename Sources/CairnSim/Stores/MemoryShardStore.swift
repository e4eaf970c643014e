import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Synchronization

/// A shard store in memory that keeps every shard's bytes: for simulations with `--payload real`, where
/// gets compare real SHA-256 digests. Checks bytes against IDs on write, as the disk store does.
public final class MemoryShardStore: ShardStoring {
    public let capacity: UInt64
    private let ledger: Mutex<ShardLedger<ByteBuffer>>

    public init(capacity: UInt64) {
        self.capacity = capacity
        ledger = Mutex(ShardLedger(capacity: capacity))
    }

    public func used() throws(StorageError) -> UInt64 { ledger.withLock { $0.used } }
    public func free() throws(StorageError) -> UInt64 { ledger.withLock { $0.free } }

    public func write(_ bytes: ByteBuffer, id: ShardID, reference: ShardReference, confirmed: Bool, now: Instant)
        throws(StorageError) -> Bool
    {
        let actual = bytes.withUnsafeReadableBytes { ShardCommitment.id(of: $0) }
        guard actual == id else { throw .shardHashMismatch(shard: id, actual: actual, index: nil) }
        return try ledger.withLock { ledger throws(StorageError) in
            try ledger.write(id, size: UInt64(bytes.readableBytes), payload: { bytes }, reference: reference,
                             confirmed: confirmed, now: now)
        }
    }

    public func readShard(_ id: ShardID) throws(StorageError) -> ByteBuffer {
        guard let bytes = ledger.withLock({ $0.entry(id)?.payload }) else { throw .shardNotFound(id) }
        return bytes
    }

    public func contains(_ ids: [ShardID]) throws(StorageError) -> [Bool] {
        ledger.withLock { ledger in ids.map { ledger.entry($0) != nil } }
    }

    public func proof(leaf: Int, of id: ShardID) throws(StorageError) -> (leaf: [UInt8], path: MerkleProof)? {
        try readShard(id).withUnsafeReadableBytes { ShardCommitment.proof(leaf: leaf, of: $0) }
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
