import CairnCrypto

/// One segment after encryption and erasure coding: n shards of `shardLength` bytes, each addressed by its
/// `ShardCommitment` (a Merkle root over its bytes).
///
/// The shard bytes live in one buffer that the encoder reuses for a later segment once this value (and every
/// copy of it) is gone, so holding a segment costs no copy and dropping it costs no allocation.
public struct EncodedSegment: Sendable {
    /// Position in the file, from 0.
    public let index: UInt64
    public let plaintextLength: Int
    public let shardLength: Int
    /// `shardIDs[i]` = the ID of shard i; shards 0..<k carry the sealed segment, k..<n parity.
    public let shardIDs: [ShardID]
    let storage: AlignedStorage

    init(index: UInt64, plaintextLength: Int, shardLength: Int, shardIDs: [ShardID], storage: AlignedStorage) {
        self.index = index
        self.plaintextLength = plaintextLength
        self.shardLength = shardLength
        self.shardIDs = shardIDs
        self.storage = storage
    }

    public var shardCount: Int { shardIDs.count }

    /// Borrows shard `i`'s bytes without copying; the buffer is valid only inside `body`.
    public func withShard<R>(_ i: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(i >= 0 && i < shardIDs.count, "shard index \(i) out of range")
        return try body(UnsafeRawBufferPointer(storage.region(i * shardLength, shardLength)))
    }

    /// A copy of shard `i`'s bytes.
    public func shardBytes(_ i: Int) -> [UInt8] { withShard(i) { Array($0) } }

    /// Every shard with its ID, copied out.
    public var shards: [Shard] {
        shardIDs.indices.map { Shard(index: $0, id: shardIDs[$0], bytes: shardBytes($0)) }
    }
}

/// One shard: its position in its segment's code, its ID and its bytes.
public struct Shard: Hashable, Sendable {
    public var index: Int
    public var id: ShardID
    public var bytes: [UInt8]

    public init(index: Int, id: ShardID, bytes: [UInt8]) {
        self.index = index
        self.id = id
        self.bytes = bytes
    }

    /// True when the bytes' Merkle root is the ID.
    public var isIntact: Bool { ShardCommitment.id(of: bytes) == id }
}
