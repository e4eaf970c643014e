import CairnCrypto
import CairnWire
import Foundation
import GRDB
import Synchronization

/// The provider side of DESIGN.md §7: shards in a content-addressed directory tree, indexed in SQLite.
///
/// Layout under `root`:
///
///     shards/ab/ab…(64 hex)        one file per shard, named by its ID (never by a string from the network);
///                                  256 directories, as git does: few enough that they exist after the first
///                                  few hundred shards, so a write rarely creates one
///     tmp/                         writes in progress; emptied at open
///     quarantine/                  shards that failed verification on read
///     index.sqlite                 id, size, file, owner, stored time; WAL mode, synchronous=FULL
///
/// A write verifies the bytes against the ID, writes a temporary file, fsyncs it, renames it into place, fsyncs
/// the directory, and only then commits the index entry: once `write` returns, the shard survives a crash at any
/// instant. A read verifies again, and a shard that no longer matches is moved to quarantine and reported, never
/// returned. Capacity is checked inside the same serialized transaction as the index entry, so concurrent writers
/// cannot overshoot it.
public final class ShardStore: Sendable {
    public let root: String
    /// Most bytes of shards the store accepts.
    public let capacity: UInt64
    /// What the last open cleaned up.
    public let recovery: ShardStoreRecovery
    private let database: DatabasePool
    private let commits: GroupCommit<PendingShard>
    private let reservations = Mutex(Reservations())

    struct PendingShard: Sendable {
        var id: ShardID
        var size: Int
        var fileID: Key256?
        var owner: PeerID?
        var now: Instant
    }

    /// Bytes stored, and shards being written with the bytes they will take, kept under one lock so that
    /// concurrent writers can neither overshoot capacity nor count a shard twice. `used` mirrors the index's
    /// usage row, read once at open.
    struct Reservations: Sendable {
        var inFlight: Set<ShardID> = []
        var reserved: UInt64 = 0
        var used: UInt64 = 0
    }

    var shardsDirectory: String { root + "/shards" }
    var temporaryDirectory: String { root + "/tmp" }
    var quarantineDirectory: String { root + "/quarantine" }

    /// Opens (creating if needed) the store at `root`, then removes what a crash left behind.
    public init(root: String, capacity: UInt64) throws(StorageError) {
        self.root = root
        self.capacity = capacity
        try DurableFile.makeDirectory(root)
        for directory in ["shards", "tmp", "quarantine"] { try DurableFile.makeDirectory(root + "/" + directory) }
        let database = try ShardStore.openIndex(path: root + "/index.sqlite")
        self.database = database
        recovery = try ShardStore.recover(database: database, root: root)
        commits = GroupCommit { batch in try ShardStore.commit(batch, database: database, root: root) }
        let stored = try withDatabase { try database.read { db in try UInt64(ShardStore.usage(db)) } }
        reservations.withLock { $0.used = stored }
    }

    /// Bytes of shards stored.
    public func used() throws(StorageError) -> UInt64 {
        reservations.withLock { $0.used }
    }

    /// Bytes that can still be stored.
    public func free() throws(StorageError) -> UInt64 {
        let used = try used()
        return capacity > used ? capacity - used : 0
    }

    /// Stores `bytes` as shard `id`. Returns false when the shard was already stored (content addressing makes
    /// the write idempotent). Throws `shardHashMismatch` when the bytes are not that shard, and `noCapacity` when
    /// they would not fit.
    ///
    /// Returns only once the shard is durable: its file is written and renamed into place, then a group commit
    /// flushes the filesystem (syncfs) and records the index entries of every shard written meanwhile in one
    /// transaction. A crash before that leaves an unindexed file, which the next open removes: nothing that was
    /// acknowledged is lost, and nothing unacknowledged lingers.
    @discardableResult
    public func write(
        _ bytes: UnsafeRawBufferPointer, id: ShardID, fileID: Key256? = nil, owner: PeerID? = nil, now: Instant
    ) throws(StorageError) -> Bool {
        let actual = SHA256.hash(buffer: bytes)
        guard actual == id else { throw .shardHashMismatch(shard: id, actual: actual, index: nil) }
        let size = UInt64(bytes.count)
        guard try reserve(id, size: size) else { return false }
        var committed = false
        defer { release(id, size: size, committed: committed) }
        let finalPath = path(of: id)
        let temporary = temporaryDirectory + "/" + id.hex + "." + Random.key256().shortHex + ".tmp"
        do {
            try DurableFile.create(temporary, bytes: bytes, sync: false)
            let directory = DurableFile.parent(of: finalPath)
            try DurableFile.makeDirectory(directory, sync: false)
            try DurableFile.move(temporary, to: finalPath)
            try commits.submit(PendingShard(id: id, size: bytes.count, fileID: fileID, owner: owner, now: now))
            committed = true
        } catch {
            // Nothing was acknowledged: leave no file behind for an entry that did not commit.
            _ = try? DurableFile.remove(temporary)
            _ = try? DurableFile.remove(finalPath)
            if let error = error as? StorageError { throw error }
            throw .database("\(error)")
        }
        return true
    }

    /// Claims room for a shard; false when it is already stored or being stored.
    private func reserve(_ id: ShardID, size: UInt64) throws(StorageError) -> Bool {
        if DurableFile.exists(path(of: id)) {
            let indexed = try withDatabase { try database.read { db in try ShardStore.exists(db, id) } }
            if indexed { return false }
            // A file without an index entry is another writer's, in flight; the check below settles it.
        } else if try withDatabase({ try database.read { db in try ShardStore.exists(db, id) } }) {
            // Indexed but gone from disk (removed behind our back): forget it and store it afresh.
            try forget(id)
        }
        return try reservations.withLock { state throws(StorageError) -> Bool in
            guard !state.inFlight.contains(id) else { return false }
            guard state.used + state.reserved + size <= capacity else {
                throw StorageError.noCapacity(needed: size, used: state.used + state.reserved, capacity: capacity)
            }
            state.inFlight.insert(id)
            state.reserved += size
            return true
        }
    }

    /// Ends a reservation; a committed shard's bytes move from reserved to used in the same step.
    private func release(_ id: ShardID, size: UInt64, committed: Bool) {
        reservations.withLock { state in
            state.inFlight.remove(id)
            state.reserved -= size
            if committed { state.used += size }
        }
    }

    /// One group commit: index every shard of the batch in one transaction, then flush the filesystem once
    /// (syncfs): the shard files, their directory entries and the index's WAL all reach the disk together, so
    /// one flush serves the whole batch. Until it returns nothing is acknowledged; a crash before leaves files
    /// and rows that the next open reconciles.
    static func commit(_ batch: [PendingShard], database: DatabasePool, root: String) throws {
        try database.write { db in
            for shard in batch {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO shard (id, size, fileID, owner, storedAt) VALUES (?, ?, ?, ?, ?)",
                    arguments: [shard.id.data, shard.size, shard.fileID?.data, shard.owner?.data, shard.now.nanoseconds])
            }
        }
        try DurableFile.syncFilesystem(root)
    }

    @discardableResult
    public func write(
        _ bytes: [UInt8], id: ShardID, fileID: Key256? = nil, owner: PeerID? = nil, now: Instant
    ) throws(StorageError) -> Bool {
        var result: Result<Bool, StorageError>!
        bytes.withUnsafeBytes { buffer in
            do throws(StorageError) {
                result = .success(try write(buffer, id: id, fileID: fileID, owner: owner, now: now))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }

    /// The shard's bytes, verified against its ID. A shard that fails verification is moved to quarantine,
    /// dropped from the index, and reported as `corruptShard`; a missing one as `shardNotFound`.
    public func read(_ id: ShardID) throws(StorageError) -> [UInt8] {
        let shardPath = path(of: id)
        guard let bytes = try DurableFile.readAll(shardPath) else {
            try? forget(id)
            throw .shardNotFound(id)
        }
        guard SHA256.hash(bytes) == id else { throw try quarantine(id) }
        return bytes
    }

    public func contains(_ id: ShardID) throws(StorageError) -> Bool {
        try withDatabase { try database.read { db in try ShardStore.exists(db, id) } }
    }

    /// The index entry of one shard.
    public func shard(_ id: ShardID) throws(StorageError) -> StoredShard? {
        try withDatabase {
            try database.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM shard WHERE id = ?", arguments: [id.data])
                    .map(ShardStore.storedShard)
            }
        }
    }

    /// Deletes a shard; false when it was not stored.
    @discardableResult
    public func delete(_ id: ShardID) throws(StorageError) -> Bool {
        let shardPath = path(of: id)
        let freed = try withDatabase {
            try database.write { db -> Int? in
                let size = try Int.fetchOne(db, sql: "SELECT size FROM shard WHERE id = ?", arguments: [id.data])
                try db.execute(sql: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                try DurableFile.remove(shardPath)
                return size
            }
        }
        guard let freed else { return false }
        reservations.withLock { $0.used -= UInt64(freed) }
        return true
    }

    /// The shards stored for one file, by ID.
    public func shards(ofFile fileID: Key256) throws(StorageError) -> [StoredShard] {
        try withDatabase {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM shard WHERE fileID = ? ORDER BY id", arguments: [fileID.data])
                    .map(ShardStore.storedShard)
            }
        }
    }

    /// The shards one peer stored, by ID.
    public func shards(ownedBy owner: PeerID) throws(StorageError) -> [StoredShard] {
        try withDatabase {
            try database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM shard WHERE owner = ? ORDER BY id", arguments: [owner.data])
                    .map(ShardStore.storedShard)
            }
        }
    }

    /// Deletes every shard one peer stored; returns how many.
    @discardableResult
    public func deleteShards(ownedBy owner: PeerID) throws(StorageError) -> Int {
        var deleted = 0
        for shard in try shards(ownedBy: owner) where try delete(shard.id) { deleted += 1 }
        return deleted
    }

    /// Number of shards stored.
    public func count() throws(StorageError) -> Int {
        try withDatabase { try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shard") ?? 0 } }
    }

    /// Where shard `id` lives: `shards/ab/<hex>`, one level of 256 directories.
    public func path(of id: ShardID) -> String {
        let hex = id.hex
        return "\(shardsDirectory)/\(hex.prefix(2))/\(hex)"
    }

    /// A shard ID from text that came from outside (the network, a command line): exactly 64 hex characters.
    public static func shardID(parsing text: String) throws(StorageError) -> ShardID {
        guard let id = Key256(hex: text) else { throw .invalidShardID(text) }
        return id
    }

    /// Moves a shard that failed verification out of the tree and out of the index, under the writer's lock so
    /// that no write interleaves, and returns the error that reports it.
    private func quarantine(_ id: ShardID) throws(StorageError) -> StorageError {
        let shardPath = path(of: id)
        let quarantined = quarantineDirectory + "/" + id.hex + "." + Random.key256().shortHex
        let freed = try withDatabase {
            try database.write { db -> Int? in
                try DurableFile.move(shardPath, to: quarantined)
                try DurableFile.syncDirectory(DurableFile.parent(of: shardPath))
                let size = try Int.fetchOne(db, sql: "SELECT size FROM shard WHERE id = ?", arguments: [id.data])
                try db.execute(sql: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                return size
            }
        }
        if let freed { reservations.withLock { $0.used -= UInt64(freed) } }
        return .corruptShard(id, quarantinedAt: quarantined)
    }

    private func forget(_ id: ShardID) throws(StorageError) {
        let freed = try withDatabase {
            try database.write { db -> Int? in
                let size = try Int.fetchOne(db, sql: "SELECT size FROM shard WHERE id = ?", arguments: [id.data])
                try db.execute(sql: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                return size
            }
        }
        if let freed { reservations.withLock { $0.used -= UInt64(freed) } }
    }
}
