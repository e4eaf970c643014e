import CairnChain
import CairnStorage
import CairnWire
import Foundation
import GRDB

/// The chain on disk (DESIGN.md §6, §7): committed blocks with their commits, an index of their transactions,
/// and the last consensus message this validator signed. SQLite in WAL mode with `synchronous = FULL`, so a
/// block or a signature is durable once its call returns and a crash at any instant loses neither
/// (SQLite's atomic commit, sqlite.org/atomiccommit.html). State is not stored: it is derived from the blocks.
///
/// Blocks and messages are stored as their canonical encodings; CairnChain decodes them. Calls block on disk
/// I/O and belong on a driver's I/O thread, never in a machine.
public final class ChainStore: Sendable {
    private let database: DatabaseQueue

    /// Opens or creates the store at `path`. Throws GRDB's `DatabaseError` when the file cannot be opened.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS block (
                        height INTEGER PRIMARY KEY NOT NULL,
                        hash BLOB NOT NULL UNIQUE,
                        body BLOB NOT NULL,
                        commit_bytes BLOB NOT NULL
                    );
                    CREATE TABLE IF NOT EXISTS chain_transaction (
                        hash BLOB NOT NULL,
                        height INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        PRIMARY KEY (hash, height)
                    );
                    CREATE TABLE IF NOT EXISTS account_transaction (
                        account BLOB NOT NULL,
                        height INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        PRIMARY KEY (account, height, position)
                    );
                    CREATE TABLE IF NOT EXISTS signed (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        message BLOB NOT NULL
                    );
                    """)
        }
    }

    /// The highest stored block: height and hash; nil for a store that holds none.
    public func tip() throws -> (height: UInt64, hash: Key256)? {
        try database.read { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT height, hash FROM block ORDER BY height DESC LIMIT 1")),
                let hash = Key256(bytes: Array(row["hash"] as Data))
            else { return nil }
            return (UInt64(row["height"] as Int64), hash)
        }
    }

    /// Appends the next committed block in one transaction. Throws `ChainStoreError.notNext` unless `block.height`
    /// is one above the tip (1 for an empty store).
    public func append(_ block: StoredBlock) throws {
        try append(contentsOf: [block])
    }

    /// Appends consecutive committed blocks in one transaction (one fsync for a whole synced range): all or
    /// none. Throws `ChainStoreError.notNext` unless they follow the tip in order.
    public func append(contentsOf blocks: [StoredBlock]) throws {
        guard !blocks.isEmpty else { return }
        try database.write { db in
            var tip = UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(height) FROM block")) ?? 0)
            for block in blocks {
                guard block.height == tip + 1 else { throw ChainStoreError.notNext(height: block.height, tip: tip) }
                try Self.insert(block, into: db)
                tip = block.height
            }
        }
    }

    /// Inserts one block and its index rows with statements compiled once per connection (GRDB's cache):
    /// compiling each INSERT again cost more than running it, and a synced range inserts thousands of rows.
    private static func insert(_ block: StoredBlock, into db: Database) throws {
        let height = Int64(block.height)
        try db.cachedStatement(sql: "INSERT INTO block (height, hash, body, commit_bytes) VALUES (?, ?, ?, ?)")
            .execute(arguments: [height, Data(block.hash.bytes), Data(block.body), Data(block.commit)])
        let transaction = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO chain_transaction (hash, height, position) VALUES (?, ?, ?)")
        let account = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO account_transaction (account, height, position) VALUES (?, ?, ?)")
        for (position, entry) in block.transactions.enumerated() {
            try transaction.execute(arguments: [Data(entry.hash.bytes), height, position])
            for key in entry.accounts { try account.execute(arguments: [Data(key), height, position]) }
        }
    }

    /// The block at `height`, or nil.
    public func block(at height: UInt64) throws -> StoredBlock? {
        try blocks(from: height, maxCount: 1, maxBytes: .max).first
    }

    /// The block whose hash is `hash`, or nil.
    public func block(hash: Key256) throws -> StoredBlock? {
        try database.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT height, hash, body, commit_bytes FROM block WHERE hash = ?"),
                arguments: [Data(hash.bytes)]
            ).flatMap(Self.storedBlock)
        }
    }

    /// Consecutive blocks from `from`: at most `maxCount`, and no more than `maxBytes` of bodies and commits
    /// once the first is in (the first is always returned when it exists).
    public func blocks(from: UInt64, maxCount: Int, maxBytes: Int) throws -> [StoredBlock] {
        guard maxCount > 0, from <= UInt64(Int64.max) else { return [] }
        return try database.read { db in
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT height, hash, body, commit_bytes FROM block WHERE height >= ? ORDER BY height LIMIT ?",
                arguments: [Int64(from), maxCount])
            var blocks: [StoredBlock] = []
            var bytes = 0
            while let row = try cursor.next(), let block = Self.storedBlock(row) {
                bytes += block.body.count + block.commit.count
                if !blocks.isEmpty && bytes > maxBytes { break }
                blocks.append(block)
            }
            return blocks
        }
    }

    /// Where the transaction `hash` was committed (the lowest height, should it appear twice), or nil.
    public func transaction(hash: Key256) throws -> TransactionLocation? {
        try database.read { db in
            try Row.fetchOne(
                db, sql: "SELECT height, position FROM chain_transaction WHERE hash = ? ORDER BY height LIMIT 1",
                arguments: [Data(hash.bytes)]
            ).map { TransactionLocation(height: UInt64($0["height"] as Int64), position: $0["position"]) }
        }
    }

    /// The committed transactions that involve `account` (its 32 bytes), newest first, at most `limit`.
    public func history(of account: [UInt8], limit: Int) throws -> [TransactionLocation] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT height, position FROM account_transaction WHERE account = ? "
                    + "ORDER BY height DESC, position DESC LIMIT ?",
                arguments: [Data(account), limit]
            ).map { TransactionLocation(height: UInt64($0["height"] as Int64), position: $0["position"]) }
        }
    }

    /// Records the consensus message this validator is about to send (its canonical encoding); durable when the
    /// call returns, so the validator may then send it (Tendermint's double-sign protection, as CometBFT's
    /// `priv_validator_state.json`).
    public func saveSigned(_ message: [UInt8]) throws {
        try database.write { db in
            try db.execute(
                cached: "INSERT INTO signed (id, message) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET message = excluded.message",
                arguments: [Data(message)])
        }
    }

    /// The last message `saveSigned` recorded, or nil.
    public func lastSigned() throws -> [UInt8]? {
        try database.read { db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT message FROM signed WHERE id = 1")).map { Array($0) }
        }
    }

    private static func storedBlock(_ row: Row) -> StoredBlock? {
        guard let hash = Key256(bytes: Array(row["hash"] as Data)) else { return nil }
        return StoredBlock(
            height: UInt64(row["height"] as Int64), hash: hash, body: Array(row["body"] as Data),
            commit: Array(row["commit_bytes"] as Data), transactions: [])
    }
}

public enum ChainStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case notNext(height: UInt64, tip: UInt64)

    public var description: String {
        switch self {
        case .notNext(let height, let tip):
            "block \(height) cannot be stored: the stored chain ends at height \(tip), so the next block is \(tip + 1)"
        }
    }
}
