import CairnStorage
import CairnWire
import NIOCore

/// A shard in a `--payload synthetic` simulation: 48 bytes that stand for a shard of `length` bytes whose ID
/// (its commitment) is `id`, so that 10⁴ peers and 10⁴ files fit in one process's memory.
///
/// **How synthetic shards are verified.** The machine never hashes shard bytes itself: checking a shard
/// against its ID is work its driver does — the store on a write (`ShardStoring.write` throws
/// `shardHashMismatch`), and on a get a verify step handed out as work (the get planner's, to come). With real
/// bytes that work hashes them (`ShardCommitment.id`); in synthetic mode the simulator does it with
/// `verifies(_:as:length:)`, which accepts exactly the token of that ID and length. The token travels where the
/// bytes would (`putShard`'s bytes, `getShard`'s answer) and the `SyntheticShardStore` keeps only ID, length and
/// references. A token for another ID is refused on write as a hash mismatch would be, so the provider's rules
/// run unchanged; what synthetic mode cannot exercise is corruption inside the bytes and proofs of storage.
public struct SyntheticShard: Hashable, Sendable {
    public var id: ShardID
    public var length: UInt64

    /// "CSYNSHD" and a version byte, so that real shard bytes are never taken for a token by accident.
    static let magic: [UInt8] = Array("CSYNSHD".utf8) + [1]
    public static let encodedLength = 8 + 32 + 8

    public init(id: ShardID, length: UInt64) {
        self.id = id
        self.length = length
    }

    /// The token, where a real shard's bytes would be.
    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.encodedLength)
        buffer.writeBytes(Self.magic)
        buffer.writeBytes(id.bytes)
        buffer.writeInteger(length)
        return buffer
    }

    /// The token in `buffer`; nil for anything else (real shard bytes, a truncated or longer token).
    public init?(decoding buffer: ByteBuffer) {
        guard buffer.readableBytes == Self.encodedLength,
              buffer.getBytes(at: buffer.readerIndex, length: 8) == Self.magic,
              let idBytes = buffer.getBytes(at: buffer.readerIndex + 8, length: 32),
              let id = Key256(bytes: idBytes),
              let length = buffer.getInteger(at: buffer.readerIndex + 40, as: UInt64.self)
        else { return nil }
        self.init(id: id, length: length)
    }

    /// Synthetic mode's verification of a fetched shard: true when `buffer` is the token of shard `id` with
    /// `length` bytes.
    public static func verifies(_ buffer: ByteBuffer, as id: ShardID, length: Int) -> Bool {
        SyntheticShard(decoding: buffer) == SyntheticShard(id: id, length: UInt64(length))
    }
}
