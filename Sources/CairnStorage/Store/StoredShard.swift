import CairnCrypto
import CairnWire

/// One shard as the store's index records it.
public struct StoredShard: Hashable, Sendable {
    public var id: ShardID
    public var size: Int
    /// The file the shard belongs to, when the uploader said.
    public var fileID: Key256?
    /// The peer that stored it (for deletes by owner and agreements), when known.
    public var owner: PeerID?
    public var storedAt: Instant

    public init(id: ShardID, size: Int, fileID: Key256?, owner: PeerID?, storedAt: Instant) {
        self.id = id
        self.size = size
        self.fileID = fileID
        self.owner = owner
        self.storedAt = storedAt
    }
}

/// What opening a store found and repaired after a crash.
public struct ShardStoreRecovery: Hashable, Sendable {
    /// Temporary files of writes that never completed.
    public var removedTemporaryFiles = 0
    /// Shard files renamed into place whose index entry never committed: never acknowledged, so removed.
    public var removedUnindexedFiles = 0
    /// Index entries whose file was gone (removed behind the store's back): dropped.
    public var droppedMissingEntries = 0

    public init() {}
}
