import CairnStorage
import CairnWire
import Foundation
import GRDB

/// Manifests and access grants this peer keeps for the network because it is among the peers closest to
/// their keys. SQLite (WAL); a blob is checked by the caller before it is put here.
public final class BlobStore: BlobStoring {
    private let database: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a commit survives the process being killed at any instant (it is in
            // the WAL, in the OS's hands); only a power cut could lose the newest ones, and every blob is kept by
            // several peers. This saves an fsync per descriptor on the small-file path.
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS blob (
                        kind INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        bytes BLOB NOT NULL,
                        owner BLOB,
                        stored REAL NOT NULL,
                        PRIMARY KEY (kind, key)
                    )
                    """)
        }
    }

    /// Keeps `bytes` under (kind, key), replacing an older copy; `owner` is whose signature may delete it.
    public func put(kind: BlobKind, key: Key256, bytes: [UInt8], owner: PublicKey?) throws {
        try database.write { db in
            try db.execute(
                cached: "INSERT OR REPLACE INTO blob (kind, key, bytes, owner, stored) VALUES (?, ?, ?, ?, ?)",
                arguments: [Int(kind.rawValue), Data(key.bytes), Data(bytes), owner.map { Data($0.bytes) },
                            Date().timeIntervalSince1970])
        }
    }

    public func get(kind: BlobKind, key: Key256) throws -> [UInt8]? {
        try database.read { db in
            let data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT bytes FROM blob WHERE kind = ? AND key = ?"),
                arguments: [Int(kind.rawValue), Data(key.bytes)])
            return data.map { Array($0) }
        }
    }

    /// Deletes the blob when `owner` is the one recorded for it; true when something was deleted.
    public func delete(kind: BlobKind, key: Key256, owner: PublicKey) throws -> Bool {
        try database.write { db in
            try db.execute(
                cached: "DELETE FROM blob WHERE kind = ? AND key = ? AND owner = ?",
                arguments: [Int(kind.rawValue), Data(key.bytes), Data(owner.bytes)])
            return db.changesCount > 0
        }
    }
}
