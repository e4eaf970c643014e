import CairnCrypto
import CairnWire
import Foundation
import GRDB
import NIOCore
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
///     index.sqlite                 shards (id, size, stored time) and their references (shard, file, owner);
///                                  WAL mode
///
/// A shard is kept once however many files reference it (`ShardReference`): a write of a shard already stored
/// only adds its reference, and `release` deletes the bytes only with the last reference.
///
/// A write verifies the bytes against the ID, writes a temporary file, fsyncs it, renames it into place, fsyncs
/// the directory, and only then commits the index entry: once `write` returns, the shard survives a crash at any
/// instant. A read verifies again, and a shard that no longer matches is moved to quarantine and reported, never
/// returned. Capacity is checked inside the same serialized transaction as the index entry, so concurrent writers
/// cannot overshoot it. Capacity is also the disk's: the store never counts on more than the filesystem has free
/// (statvfs) less `diskReserve`, and a write that meets ENOSPC fails as `diskFull`, a lack of capacity that an
/// uploader places elsewhere, never an internal error (issue 6, item 8).
///
/// References arrive *pending* from the network (`write(…, confirmed: false)`) and become confirmed when the owner
/// confirms the stored file (`confirm`); `reclaimPending` releases those still pending after a grace period, so
/// that a failed or abandoned upload leaks nothing (issue 6, item 6).
public final class ShardStore: Sendable {
    public let root: String
    /// Most bytes of shards the store accepts.
    public let capacity: UInt64
    /// Bytes of the filesystem the store leaves free for everything else (the index's WAL, the peer's other
    /// databases, the system).
    public let diskReserve: UInt64
    public static let defaultDiskReserve: UInt64 = 64 * 1024 * 1024
    /// What the last open cleaned up.
    public let recovery: ShardStoreRecovery
    let database: DatabasePool
    private let commits: GroupCommit<PendingShard>
    private let reservations = Mutex(Reservations())

    struct PendingShard: Sendable {
        var id: ShardID
        var size: Int
        var reference: ShardReference?
        var confirmed: Bool
        var now: Instant
    }

    /// How long a writer waits for another writer of the same shard to finish before giving up.
    static let concurrentWriteWait: Duration = .seconds(60)

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
    public init(
        root: String, capacity: UInt64, diskReserve: UInt64 = ShardStore.defaultDiskReserve
    ) throws(StorageError) {
        self.root = root
        self.capacity = capacity
        self.diskReserve = diskReserve
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

    /// Bytes that can still be stored: the capacity left, and never more than the disk has free beyond the
    /// reserve, less what writes in flight will take.
    public func free() throws(StorageError) -> UInt64 {
        let disk = diskFree()
        return reservations.withLock { state in
            let taken = state.used + state.reserved
            let left = capacity > taken ? capacity - taken : 0
            guard let disk else { return left }
            return min(left, disk > state.reserved ? disk - state.reserved : 0)
        }
    }

    /// The filesystem's free bytes beyond the reserve; nil when statvfs cannot say.
    func diskFree() -> UInt64? {
        DurableFile.availableBytes(root).map { $0 > diskReserve ? $0 - diskReserve : 0 }
    }

    /// Stores `bytes` as shard `id`, kept for `reference`. Returns false when the shard was already stored (content
    /// addressing makes the write idempotent); its reference is added all the same, durably, before returning.
    /// Throws `shardHashMismatch` when the bytes are not that shard, and `noCapacity` when they would not fit.
    ///
    /// Returns only once the shard is durable: its file is written and renamed into place, then a group commit
    /// flushes the filesystem (syncfs) and records the index entries of every shard written meanwhile in one
    /// transaction. A crash before that leaves an unindexed file, which the next open removes: nothing that was
    /// acknowledged is lost, and nothing unacknowledged lingers.
    ///
    /// A reference written with `confirmed: false` is pending until `confirm` names it, and `reclaimPending`
    /// releases it once old enough; a confirmed reference stays confirmed whatever later writes say.
    @discardableResult
    public func write(
        _ bytes: UnsafeRawBufferPointer, id: ShardID, reference: ShardReference? = nil, confirmed: Bool = true,
        now: Instant
    ) throws(StorageError) -> Bool {
        let actual = ShardCommitment.id(of: bytes)
        guard actual == id else { throw .shardHashMismatch(shard: id, actual: actual, index: nil) }
        let size = UInt64(bytes.count)
        let deadline = ContinuousClock.now + Self.concurrentWriteWait
        while true {
            switch try reserve(id, size: size) {
            case .reserved:
                try writeNew(bytes, id: id, reference: reference, confirmed: confirmed, now: now)
                return true
            case .stored:
                // Only the reference is new; it must be durable before the write is acknowledged. When the shard
                // was deleted meanwhile, store it afresh.
                if try addReference(reference, confirmed: confirmed, to: id, now: now) { return false }
            case .beingWritten:
                // Another writer holds the reservation; acknowledging now could acknowledge bytes that its failure
                // then removes, so wait until it has committed or failed and look again.
                guard ContinuousClock.now < deadline else {
                    throw .io(operation: "wait for a concurrent write of shard \(id.hex)", path: path(of: id), errno: EBUSY)
                }
                usleep(1_000)
            }
        }
    }

    private func writeNew(
        _ bytes: UnsafeRawBufferPointer, id: ShardID, reference: ShardReference?, confirmed: Bool, now: Instant
    ) throws(StorageError) {
        let size = UInt64(bytes.count)
        var committed = false
        defer { release(id, size: size, committed: committed) }
        let finalPath = path(of: id)
        let temporary = temporaryDirectory + "/" + id.hex + "." + Random.key256().shortHex + ".tmp"
        do {
            try DurableFile.create(temporary, bytes: bytes, sync: false)
            let directory = DurableFile.parent(of: finalPath)
            try DurableFile.makeDirectory(directory, sync: false)
            try DurableFile.move(temporary, to: finalPath)
            try commits.submit(PendingShard(id: id, size: bytes.count, reference: reference, confirmed: confirmed,
                                            now: now))
            committed = true
        } catch {
            // Nothing was acknowledged: leave no file behind for an entry that did not commit.
            _ = try? DurableFile.remove(temporary)
            _ = try? DurableFile.remove(finalPath)
            guard let error = error as? StorageError else { throw .database("\(error)") }
            if case .io(_, _, let code) = error, DurableFile.isOutOfSpace(code) {
                throw .diskFull(needed: size, free: diskFree() ?? 0, path: root)
            }
            throw error
        }
    }

    /// Adds a reference to a shard already indexed, in one transaction that checks the shard is still there,
    /// then flushes; false when the shard is gone (deleted by its last other reference meanwhile).
    private func addReference(
        _ reference: ShardReference?, confirmed: Bool, to id: ShardID, now: Instant
    ) throws(StorageError) -> Bool {
        let present = try withDatabase {
            try database.write { db -> Bool in
                guard try ShardStore.exists(db, id) else { return false }
                if let reference { try ShardStore.insert(reference, of: id, confirmed: confirmed, now: now, db) }
                return true
            }
        }
        if present, reference != nil { try syncIndex() }
        return present
    }

    /// Makes the index's last commits durable by flushing its write-ahead log alone (what `synchronous = FULL`
    /// would do at every commit), for writes that touch no shard file: a syncfs would also wait for every other
    /// dirty file on the disk, other programs' included.
    func syncIndex() throws(StorageError) {
        try DurableFile.syncFile(root + "/index.sqlite-wal")
    }

    enum Reservation {
        case reserved, stored, beingWritten
    }

    /// Claims room for a shard, unless it is already stored or another writer is storing it.
    private func reserve(_ id: ShardID, size: UInt64) throws(StorageError) -> Reservation {
        let disk = diskFree()
        // The index first, then the disk: a writer renames its file into place before its index entry commits,
        // so an entry seen here had its file in place. Looking at the disk first could miss a file that another
        // writer renamed and indexed a moment later, and forget that writer's entry (its bytes not counted yet).
        if try withDatabase({ try database.read { db in try ShardStore.exists(db, id) } }) {
            if DurableFile.exists(path(of: id)) { return .stored }
            // Indexed but gone from disk (removed behind our back): forget it and store it afresh.
            try forget(id)
        }
        // A file without an index entry is another writer's, in flight; the check below settles it.
        return try reservations.withLock { state throws(StorageError) -> Reservation in
            guard !state.inFlight.contains(id) else { return .beingWritten }
            guard state.used + state.reserved + size <= capacity else {
                throw StorageError.noCapacity(needed: size, used: state.used + state.reserved, capacity: capacity)
            }
            if let disk, state.reserved + size > disk {
                throw StorageError.diskFull(needed: size, free: disk > state.reserved ? disk - state.reserved : 0,
                                            path: root)
            }
            state.inFlight.insert(id)
            state.reserved += size
            return .reserved
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
                    cached: "INSERT OR IGNORE INTO shard (id, size, storedAt) VALUES (?, ?, ?)",
                    arguments: [shard.id.data, shard.size, shard.now.nanoseconds])
                if let reference = shard.reference {
                    try insert(reference, of: shard.id, confirmed: shard.confirmed, now: shard.now, db)
                }
            }
        }
        try DurableFile.syncFilesystem(root)
    }

    @discardableResult
    public func write(
        _ bytes: [UInt8], id: ShardID, reference: ShardReference? = nil, confirmed: Bool = true, now: Instant
    ) throws(StorageError) -> Bool {
        var result: Result<Bool, StorageError>!
        bytes.withUnsafeBytes { buffer in
            do throws(StorageError) {
                result = .success(try write(buffer, id: id, reference: reference, confirmed: confirmed, now: now))
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
        guard ShardCommitment.id(of: bytes) == id else { throw try quarantine(id) }
        return bytes
    }

    /// `read(_:)` into a buffer of the file's own size, which is what the provider sends.
    public func readBuffer(_ id: ShardID) throws(StorageError) -> ByteBuffer {
        guard let bytes = try DurableFile.readBuffer(path(of: id)) else {
            try? forget(id)
            throw .shardNotFound(id)
        }
        guard bytes.withUnsafeReadableBytes({ ShardCommitment.id(of: $0) }) == id else { throw try quarantine(id) }
        return bytes
    }

    public func contains(_ id: ShardID) throws(StorageError) -> Bool {
        try withDatabase { try database.read { db in try ShardStore.exists(db, id) } }
    }

    /// For each ID, whether the shard is stored; one read for the whole list.
    public func contains(_ ids: [ShardID]) throws(StorageError) -> [Bool] {
        try withDatabase { try database.read { db in try ids.map { try ShardStore.exists(db, $0) } } }
    }

    /// The index entry of one shard.
    public func shard(_ id: ShardID) throws(StorageError) -> StoredShard? {
        try withDatabase {
            try database.read { db in
                try ShardStore.storedShard(id, db)
            }
        }
    }

    /// Deletes a shard and every reference to it, whoever stored it; false when it was not stored. For the
    /// provider's own housekeeping: an owner's delete goes through `release(_:reference:)`.
    @discardableResult
    public func delete(_ id: ShardID) throws(StorageError) -> Bool {
        let shardPath = path(of: id)
        let freed = try withDatabase {
            try database.write { db -> Int? in
                let size = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT size FROM shard WHERE id = ?"), arguments: [id.data])
                try db.execute(cached: "DELETE FROM shard_ref WHERE shard = ?", arguments: [id.data])
                try db.execute(cached: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                try DurableFile.remove(shardPath)
                return size
            }
        }
        guard let freed else { return false }
        reservations.withLock { $0.used -= UInt64(freed) }
        return true
    }

    /// What releasing one reference did.
    public enum Release: Hashable, Sendable {
        /// The shard was not kept for that reference: nothing changed.
        case notReferenced
        /// The reference is gone; other files still need the shard, so it stays.
        case stillReferenced
        /// That was the last reference: the shard is deleted and its bytes freed.
        case deleted
    }

    /// Drops one reference to a shard, and the shard itself when no other reference is left. The reference
    /// and the bytes go in one transaction, serialized with `write`'s reference check, so a concurrent write of
    /// the same shard either lands before (and keeps it) or stores it afresh.
    @discardableResult
    public func release(_ id: ShardID, reference: ShardReference) throws(StorageError) -> Release {
        try release(id, reference: reference, onlyIfPending: false)
    }

    /// `release`, or with `onlyIfPending` only while the reference is still pending: a confirmation that lands
    /// first keeps it.
    func release(_ id: ShardID, reference: ShardReference, onlyIfPending: Bool) throws(StorageError) -> Release {
        let shardPath = path(of: id)
        let (outcome, freed) = try withDatabase {
            try database.write { db -> (Release, Int?) in
                try db.execute(
                    cached: "DELETE FROM shard_ref WHERE shard = ? AND file = ? AND owner = ?"
                        + (onlyIfPending ? " AND confirmed = 0" : ""),
                    arguments: [id.data, reference.file.data, reference.owner.data])
                guard db.changesCount > 0 else { return (.notReferenced, nil) }
                let left = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM shard_ref WHERE shard = ?"),
                                            arguments: [id.data]) ?? 0
                guard left == 0 else { return (.stillReferenced, nil) }
                let size = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT size FROM shard WHERE id = ?"), arguments: [id.data])
                try db.execute(cached: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                try DurableFile.remove(shardPath)
                return (.deleted, size)
            }
        }
        if let freed { reservations.withLock { $0.used -= UInt64(freed) } }
        return outcome
    }

    /// The shards stored for one file, by ID.
    public func shards(ofFile file: Key256) throws(StorageError) -> [StoredShard] {
        try withDatabase {
            try database.read { db in
                try Data.fetchAll(
                    db.cachedStatement(sql: "SELECT DISTINCT shard FROM shard_ref WHERE file = ? ORDER BY shard"),
                                  arguments: [file.data])
                    .compactMap { try Key256(data: $0).flatMap { try ShardStore.storedShard($0, db) } }
            }
        }
    }

    /// The shards one peer stored, by ID.
    public func shards(ownedBy owner: PeerID) throws(StorageError) -> [StoredShard] {
        try withDatabase {
            try database.read { db in
                try Data.fetchAll(
                    db.cachedStatement(sql: "SELECT DISTINCT shard FROM shard_ref WHERE owner = ? ORDER BY shard"),
                                  arguments: [owner.data])
                    .compactMap { try Key256(data: $0).flatMap { try ShardStore.storedShard($0, db) } }
            }
        }
    }

    /// Releases every reference one peer holds; returns how many shards that deleted (others stay for the
    /// files of other owners).
    @discardableResult
    public func deleteShards(ownedBy owner: PeerID) throws(StorageError) -> Int {
        var deleted = 0
        for shard in try shards(ownedBy: owner) {
            for reference in shard.references where reference.owner == owner {
                if try release(shard.id, reference: reference) == .deleted { deleted += 1 }
            }
        }
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
                let size = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT size FROM shard WHERE id = ?"), arguments: [id.data])
                try db.execute(cached: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                return size
            }
        }
        if let freed { reservations.withLock { $0.used -= UInt64(freed) } }
        return .corruptShard(id, quarantinedAt: quarantined)
    }

    private func forget(_ id: ShardID) throws(StorageError) {
        let freed = try withDatabase {
            try database.write { db -> Int? in
                let size = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT size FROM shard WHERE id = ?"), arguments: [id.data])
                try db.execute(cached: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                return size
            }
        }
        if let freed { reservations.withLock { $0.used -= UInt64(freed) } }
    }
}
