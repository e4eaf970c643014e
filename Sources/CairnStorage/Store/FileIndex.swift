import CairnCrypto
import CairnWire
import Foundation
import GRDB

/// One of the local peer's own files, as `cairn ls` lists it. No key: the descriptor kept here holds the file
/// key sealed to the owner only; the name is kept in clear only here, on the owner's own peer.
public struct LocalFile: Hashable, Sendable {
    public var fileID: Key256
    public var name: String
    public var size: UInt64
    public var created: Instant
    public var parameters: CodingParameters
    public var segmentCount: Int
    /// The encoded descriptor, for reading, repair and sharing without asking the network. (The column is still
    /// named `manifest`, its name before stable file IDs; entries from then do not decode as descriptors and are
    /// fetched from the network, where they are refused as an old format.)
    public var descriptor: [UInt8]?

    public init(
        fileID: Key256, name: String, size: UInt64, created: Instant, parameters: CodingParameters,
        segmentCount: Int, descriptor: [UInt8]?
    ) {
        self.fileID = fileID
        self.name = name
        self.size = size
        self.created = created
        self.parameters = parameters
        self.segmentCount = segmentCount
        self.descriptor = descriptor
    }

    /// The entry for a descriptor the local peer owns, under the name its owner gave.
    public init(descriptor: Descriptor, name: String) {
        let encoded = descriptor.encoded()
        self.init(fileID: SHA256.hash(encoded), name: name, size: descriptor.fileSize, created: descriptor.created,
                  parameters: descriptor.parameters, segmentCount: descriptor.segmentCount, descriptor: encoded)
    }
}

/// The local peer's own files in SQLite (DESIGN.md §7), in its own database or one the peer shares with the
/// chain and the DHT (the migration is named, so it coexists with other migrators on one database).
public final class FileIndex: Sendable {
    private let database: any DatabaseWriter

    /// Opens (creating if needed) an index in its own database file, in WAL mode.
    public convenience init(path: String) throws(StorageError) {
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try withDatabase { try DatabasePool(path: path, configuration: configuration) }
        try self.init(database: pool)
    }

    /// Uses `database` (a `DatabasePool`, or a `DatabaseQueue` for tests), creating the table if needed.
    public init(database: any DatabaseWriter) throws(StorageError) {
        self.database = database
        var migrator = DatabaseMigrator()
        migrator.registerMigration("file-index-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE localFile (
                        id BLOB PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        created INTEGER NOT NULL,
                        segmentSize INTEGER NOT NULL,
                        k INTEGER NOT NULL,
                        n INTEGER NOT NULL,
                        segmentCount INTEGER NOT NULL,
                        manifest BLOB
                    ) WITHOUT ROWID;
                    CREATE INDEX localFile_created ON localFile(created);
                    """)
        }
        try withDatabase { try migrator.migrate(database) }
    }

    /// Adds or replaces the entry for `file.fileID`.
    public func add(_ file: LocalFile) throws(StorageError) {
        try withDatabase {
            try database.write { db in
                try db.execute(
                    cached: """
                        INSERT OR REPLACE INTO localFile
                            (id, name, size, created, segmentSize, k, n, segmentCount, manifest)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        file.fileID.data, file.name, Int64(bitPattern: file.size), file.created.nanoseconds,
                        file.parameters.segmentSize, file.parameters.k, file.parameters.n, file.segmentCount,
                        file.descriptor.map { Data($0) },
                    ])
            }
        }
    }

    /// Records a file from its descriptor and returns the entry.
    @discardableResult
    public func add(descriptor: Descriptor, name: String) throws(StorageError) -> LocalFile {
        let file = LocalFile(descriptor: descriptor, name: name)
        try add(file)
        return file
    }

    public func file(_ fileID: Key256) throws(StorageError) -> LocalFile? {
        try withDatabase {
            try database.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM localFile WHERE id = ?"), arguments: [fileID.data])
                    .map(FileIndex.localFile)
            }
        }
    }

    /// Every file, newest first.
    public func files() throws(StorageError) -> [LocalFile] {
        try withDatabase {
            try database.read { db in
                try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM localFile ORDER BY created DESC, id"))
                    .map(FileIndex.localFile)
            }
        }
    }

    /// Removes the entry; false when there was none.
    @discardableResult
    public func remove(_ fileID: Key256) throws(StorageError) -> Bool {
        try withDatabase {
            try database.write { db in
                try db.execute(cached: "DELETE FROM localFile WHERE id = ?", arguments: [fileID.data])
                return db.changesCount > 0
            }
        }
    }

    private static func localFile(_ row: Row) -> LocalFile {
        let manifest: Data? = row["manifest"]
        return LocalFile(
            fileID: Key256(data: row["id"]) ?? .zero, name: row["name"],
            size: UInt64(bitPattern: row["size"] as Int64), created: Instant(nanoseconds: row["created"]),
            parameters: CodingParameters(segmentSize: row["segmentSize"], k: row["k"], n: row["n"]),
            segmentCount: row["segmentCount"], descriptor: manifest.map { [UInt8]($0) })
    }
}
