import CairnCrypto
import CairnWire
import Foundation
import GRDB

extension ShardStore {
    static func openIndex(path: String) throws(StorageError) -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL keeps readers off the writer's back. NORMAL leaves the flush to the group commit, whose syncfs
            // makes the WAL durable together with the shard files before any write is acknowledged.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return try withDatabase {
            let pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("shard-store-v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE shard (
                            id BLOB PRIMARY KEY NOT NULL,
                            size INTEGER NOT NULL,
                            fileID BLOB,
                            owner BLOB,
                            storedAt INTEGER NOT NULL
                        ) WITHOUT ROWID;
                        CREATE INDEX shard_fileID ON shard(fileID);
                        CREATE INDEX shard_owner ON shard(owner);
                        CREATE TABLE usage (
                            singleton INTEGER PRIMARY KEY CHECK (singleton = 0),
                            bytes INTEGER NOT NULL
                        );
                        INSERT INTO usage (singleton, bytes) VALUES (0, 0);
                        CREATE TRIGGER shard_added AFTER INSERT ON shard
                            BEGIN UPDATE usage SET bytes = bytes + NEW.size; END;
                        CREATE TRIGGER shard_removed AFTER DELETE ON shard
                            BEGIN UPDATE usage SET bytes = bytes - OLD.size; END;
                        """)
            }
            // One row per (shard, file, owner) that needs the shard: identical shards of different files are kept
            // once and deleted with their last reference. The first version's single owner per shard becomes its
            // one reference (file unknown: all zeros). A reference outlives a quarantined shard's row on
            // purpose: the file still needs it, and a rewrite of the same bytes restores it.
            migrator.registerMigration("shard-store-v2-references") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE shard_ref (
                            shard BLOB NOT NULL,
                            file BLOB NOT NULL,
                            owner BLOB NOT NULL,
                            addedAt INTEGER NOT NULL,
                            PRIMARY KEY (shard, file, owner)
                        ) WITHOUT ROWID;
                        CREATE INDEX shard_ref_file ON shard_ref(file);
                        CREATE INDEX shard_ref_owner ON shard_ref(owner);
                        INSERT INTO shard_ref (shard, file, owner, addedAt)
                            SELECT id, zeroblob(32), owner, storedAt FROM shard WHERE owner IS NOT NULL;
                        """)
            }
            // A reference is pending from the upload until its owner confirms the stored file (`ConfirmOrder`);
            // pending ones past the grace period are reclaimed. References from before this version belong to
            // puts that completed, or to files whose put cannot be told apart any more: confirmed.
            migrator.registerMigration("shard-store-v3-pending") { db in
                try db.execute(
                    sql: """
                        ALTER TABLE shard_ref ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
                        CREATE INDEX shard_ref_pending ON shard_ref(addedAt) WHERE confirmed = 0;
                        """)
            }
            try migrator.migrate(pool)
            return pool
        }
    }

    static func usage(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM usage")) ?? 0
    }

    static func exists(_ db: Database, _ id: ShardID) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM shard WHERE id = ?)"), arguments: [id.data]) ?? false
    }

    /// One shard's index row with its references; nil when not indexed.
    static func storedShard(_ id: ShardID, _ db: Database) throws -> StoredShard? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT size, storedAt FROM shard WHERE id = ?"), arguments: [id.data])
        else { return nil }
        let references = try Row.fetchAll(db.cachedStatement(sql: "SELECT file, owner FROM shard_ref WHERE shard = ?"),
                                          arguments: [id.data])
            .compactMap { row -> ShardReference? in
                guard let file = Key256(data: row["file"]), let owner = Key256(data: row["owner"]) else { return nil }
                return ShardReference(file: file, owner: owner)
            }
        return StoredShard(id: id, size: row["size"], storedAt: Instant(nanoseconds: row["storedAt"]),
                           references: Set(references))
    }

    /// Adds a reference; one already there keeps its age, and becomes confirmed if this write is.
    static func insert(_ reference: ShardReference, of id: ShardID, confirmed: Bool, now: Instant, _ db: Database)
        throws
    {
        try db.execute(
            cached: """
                INSERT INTO shard_ref (shard, file, owner, addedAt, confirmed) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (shard, file, owner) DO UPDATE SET confirmed = max(confirmed, excluded.confirmed)
                """,
            arguments: [id.data, reference.file.data, reference.owner.data, now.nanoseconds, confirmed ? 1 : 0])
    }

    /// After a crash: empty `tmp/`, remove shard files whose index entry never committed (never acknowledged),
    /// and drop index entries whose file has gone.
    static func recover(database: DatabasePool, root: String) throws(StorageError) -> ShardStoreRecovery {
        var report = ShardStoreRecovery()
        let temporary = root + "/tmp"
        for name in try DurableFile.list(temporary) where try DurableFile.remove(temporary + "/" + name) {
            report.removedTemporaryFiles += 1
        }
        let indexed: Set<Key256> = try withDatabase {
            try database.read { db in
                Set(try Data.fetchAll(db.cachedStatement(sql: "SELECT id FROM shard")).compactMap { Key256(data: $0) })
            }
        }
        var seen = Set<Key256>()
        let shards = root + "/shards"
        for first in try DurableFile.list(shards) where DurableFile.isDirectory(shards + "/" + first) {
            do {
                let directory = shards + "/" + first
                var changed = false
                for name in try DurableFile.list(directory) {
                    if let id = Key256(hex: name), indexed.contains(id) {
                        seen.insert(id)
                    } else {
                        try DurableFile.remove(directory + "/" + name)
                        report.removedUnindexedFiles += 1
                        changed = true
                    }
                }
                if changed { try DurableFile.syncDirectory(directory) }
            }
        }
        let missing = indexed.subtracting(seen)
        if !missing.isEmpty {
            try withDatabase {
                try database.write { db in
                    for id in missing {
                        try db.execute(cached: "DELETE FROM shard WHERE id = ?", arguments: [id.data])
                    }
                }
            }
            report.droppedMissingEntries = missing.count
        }
        return report
    }
}

/// Runs GRDB work, passing StorageErrors thrown inside through and turning database errors into `.database`.
func withDatabase<T>(_ body: () throws -> T) throws(StorageError) -> T {
    do {
        return try body()
    } catch let error as StorageError {
        throw error
    } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
        throw .diskFull(needed: 0, free: 0, path: "the shard index (\(error.message ?? "database or disk is full"))")
    } catch {
        throw .database(String(describing: error))
    }
}

extension Key256 {
    /// The 32 bytes as a database blob.
    var data: Data { Data(bytes) }

    /// Nil unless the blob is exactly 32 bytes.
    init?(data: Data?) {
        guard let data else { return nil }
        self.init(bytes: [UInt8](data))
    }
}
