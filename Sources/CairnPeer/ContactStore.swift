import CairnStorage
import CairnWire
import Foundation
import GRDB

/// The routing table's contacts, persisted in SQLite (WAL) so that a restarted peer rejoins the network
/// through the peers it knew, with no bootstrap peer.
public final class ContactStore: Sendable {
    private let database: DatabaseQueue

    public struct Contact: Hashable, Sendable {
        public var peer: PeerInfo
        public var lastSeen: Date

        public init(peer: PeerInfo, lastSeen: Date) {
            self.peer = peer
            self.lastSeen = lastSeen
        }
    }

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        try database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS contact (
                        id BLOB PRIMARY KEY NOT NULL,
                        host TEXT NOT NULL,
                        port INTEGER NOT NULL,
                        last_seen REAL NOT NULL
                    )
                    """)
        }
    }

    /// Replaces the stored contacts with `contacts` in one transaction.
    public func replaceAll(with contacts: [Contact]) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM contact")
            for contact in contacts {
                try db.execute(
                    cached: "INSERT INTO contact (id, host, port, last_seen) VALUES (?, ?, ?, ?)",
                    arguments: [
                        Data(contact.peer.id.bytes), contact.peer.address.host, Int(contact.peer.address.port),
                        contact.lastSeen.timeIntervalSince1970,
                    ])
            }
        }
    }

    /// Stored contacts, most recently seen first. Rows that do not parse are skipped.
    public func load() throws -> [Contact] {
        try database.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, host, port, last_seen FROM contact ORDER BY last_seen DESC"))
            return rows.compactMap { row -> Contact? in
                let idData: Data = row["id"]
                let port: Int = row["port"]
                guard let id = Key256(bytes: Array(idData)), let port = UInt16(exactly: port), port != 0 else {
                    return nil
                }
                let seconds: Double = row["last_seen"]
                return Contact(
                    peer: PeerInfo(id: id, address: PeerAddress(host: row["host"], port: port)),
                    lastSeen: Date(timeIntervalSince1970: seconds))
            }
        }
    }
}
