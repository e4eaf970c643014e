import CairnCrypto
import CairnWire
import Foundation
import GRDB

/// Pending references (issue 6, item 6): how a provider gets back the space of uploads that never completed.
///
/// A put stores its shards before the file exists: the file ID is the hash of a descriptor that lists them. So a
/// provider takes every shard *pending* for (file nonce, owner), and the owner confirms it once the descriptor
/// is stored (`ConfirmOrder`, checked by the provider). An uploader whose put fails sends delete orders for what
/// it placed; one that crashes, loses its network or is killed cannot, and its pending references are released
/// here once older than the provider's grace period. A shard other files still reference stays.
extension ShardStore {
    /// What one pass of `reclaimPending` released.
    public struct PendingReclaim: Hashable, Sendable {
        /// Pending references released.
        public var references = 0
        /// Shards deleted because that was their last reference.
        public var shards = 0

        public init(references: Int = 0, shards: Int = 0) {
            self.references = references
            self.shards = shards
        }
    }

    /// Marks `owner`'s pending references for `file` on the listed shards confirmed, durably (flushed) before
    /// returning, and returns how many of the listed shards it now keeps confirmed for that file. Shards it does
    /// not hold for that file are ignored.
    ///
    /// With a `limit`, the confirmation is refused (`freeAllowanceUsed`, nothing changed: the transaction is
    /// rolled back) when the bytes of shards kept confirmed afterwards would exceed it.
    @discardableResult
    public func confirm(
        file: Key256, owner: PeerID, shards ids: [ShardID], limit: KeptBytesLimit? = nil
    ) throws(StorageError) -> Int {
        let (changed, kept) = try withDatabase {
            try database.write { db -> (Int, Int) in
                var changed = 0
                var kept = 0
                for id in ids {
                    try db.execute(
                        cached: """
                            UPDATE shard_ref SET confirmed = 1
                            WHERE shard = ? AND file = ? AND owner = ? AND confirmed = 0
                            """,
                        arguments: [id.data, file.data, owner.data])
                    changed += db.changesCount
                    let present = try Bool.fetchOne(
                        db.cachedStatement(
                            sql: "SELECT EXISTS (SELECT 1 FROM shard_ref WHERE shard = ? AND file = ? AND owner = ?)"),
                        arguments: [id.data, file.data, owner.data]) ?? false
                    if present { kept += 1 }
                }
                // Every byte stored, pending or not, is an upper bound read in O(1) from the usage row: the exact
                // sum scans every reference, and did so at every put a provider confirmed.
                if let limit, changed > 0, limit.refusal(keeping: UInt64(max(try Self.usage(db), 0))) != nil,
                    let refusal = limit.refusal(keeping: try Self.confirmedBytes(db))
                {
                    throw refusal
                }
                return (changed, kept)
            }
        }
        // A confirmation lost in a crash would let the shards be reclaimed although the owner was told they stay.
        if changed > 0 { try syncIndex() }
        return kept
    }

    /// Bytes of the shards that at least one confirmed reference keeps.
    static func confirmedBytes(_ db: Database) throws -> UInt64 {
        let sum = try Int64.fetchOne(
            db,
            sql: """
                SELECT COALESCE(SUM(size), 0) FROM shard
                WHERE id IN (SELECT shard FROM shard_ref WHERE confirmed = 1)
                """)
        return UInt64(max(sum ?? 0, 0))
    }

    /// The references still pending, oldest first, with when each was added.
    public func pendingReferences() throws(StorageError)
        -> [(shard: ShardID, reference: ShardReference, added: Instant)]
    {
        try withDatabase {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT shard, file, owner, addedAt FROM shard_ref WHERE confirmed = 0 ORDER BY addedAt")
                    .compactMap { row in
                        guard let shard = Key256(data: row["shard"]), let file = Key256(data: row["file"]),
                              let owner = Key256(data: row["owner"]) else { return nil }
                        return (shard, ShardReference(file: file, owner: owner), Instant(nanoseconds: row["addedAt"]))
                    }
            }
        }
    }

    /// Releases every reference still pending that was added before `cutoff` (now less the grace period); a
    /// shard goes with its last reference. A confirmation that lands meanwhile keeps its reference.
    @discardableResult
    public func reclaimPending(addedBefore cutoff: Instant) throws(StorageError) -> PendingReclaim {
        var result = PendingReclaim()
        for pending in try pendingReferences() where pending.added < cutoff {
            switch try release(pending.shard, reference: pending.reference, onlyIfPending: true) {
            case .notReferenced: continue
            case .stillReferenced: result.references += 1
            case .deleted:
                result.references += 1
                result.shards += 1
            }
        }
        return result
    }

    /// True while `owner`'s reference for `file` on `id` is pending.
    public func isPending(_ id: ShardID, file: Key256, owner: PeerID) throws(StorageError) -> Bool {
        try withDatabase {
            try database.read { db in
                try Bool.fetchOne(
                    db, sql: "SELECT confirmed = 0 FROM shard_ref WHERE shard = ? AND file = ? AND owner = ?",
                    arguments: [id.data, file.data, owner.data]) ?? false
            }
        }
    }
}
