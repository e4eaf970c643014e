import CairnCrypto
import CairnWire

/// Why a provider keeps a shard: one file of one owner.
///
/// Shards are content-addressed, and different files can produce byte-identical shards (the zero padding of a
/// tiny segment, or one owner storing the same bytes twice). A provider therefore keeps one copy per shard ID
/// and one reference per (shard, file, owner); an owner's delete removes only that owner's reference for that
/// file, and the bytes go only when no reference is left (issue 6, item 1).
public struct ShardReference: Hashable, Sendable {
    /// The file the shard was stored for: the file's nonce, which exists before the file ID does (the ID is
    /// the hash of a descriptor that lists the shards) and stays the same for the file's life.
    public var file: Key256
    /// The PeerID of the owner who stored it; only this owner's signature removes the reference.
    public var owner: PeerID

    public init(file: Key256, owner: PeerID) {
        self.file = file
        self.owner = owner
    }
}

/// One shard as the store's index records it.
public struct StoredShard: Hashable, Sendable {
    public var id: ShardID
    public var size: Int
    public var storedAt: Instant
    /// Every (file, owner) the shard is kept for; the shard is deleted when the last one is released.
    public var references: Set<ShardReference>

    public init(id: ShardID, size: Int, storedAt: Instant, references: Set<ShardReference>) {
        self.id = id
        self.size = size
        self.storedAt = storedAt
        self.references = references
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

extension DeleteOrder {
    /// The reference the order's shards were stored under: the file nonce and the owner.
    public var reference: ShardReference { ShardReference(file: fileNonce, owner: owner.peerID) }
}

extension Descriptor {
    /// The reference the file's shards are stored under: its nonce and its owner.
    public var reference: ShardReference { ShardReference(file: fileNonce, owner: owner.peerID) }
}

extension ConfirmOrder {
    /// The reference the order's shards were stored under: the file nonce and the owner.
    public var reference: ShardReference { ShardReference(file: fileNonce, owner: owner.peerID) }
}
