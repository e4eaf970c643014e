import CairnWire

/// Where a peer keeps the blobs (descriptors, placement records, grants) it holds for the network because it
/// is among the peers closest to their keys. `BlobStore` (SQLite) for `cairn run`, an in-memory one in the
/// simulator. The provider machine checks every blob before it asks for it to be put.
///
/// Methods may block: the network driver calls them on its thread pool.
public protocol BlobStoring: Sendable {
    /// Keeps `bytes` under (kind, key), replacing an older copy; `owner` is whose signature may delete it.
    func put(kind: BlobKind, key: Key256, bytes: [UInt8], owner: PublicKey?) throws
    func get(kind: BlobKind, key: Key256) throws -> [UInt8]?
    /// Deletes the blob when `owner` is the one recorded for it; true when something was deleted.
    func delete(kind: BlobKind, key: Key256, owner: PublicKey) throws -> Bool
}
