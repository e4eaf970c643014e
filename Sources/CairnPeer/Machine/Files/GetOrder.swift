import CairnStorage
import CairnWire
import NIOCore

/// What a get needs: where the file's shards are and how to reach their holders (the driver finds the
/// descriptor, the placement and the addresses), and which segments to fetch, in the order they are wanted.
public struct GetOrder: Sendable {
    public var layout: PlacedFile
    /// Addresses of the holders that have one; the others' shards count as unreachable.
    public var holders: [PeerID: PeerInfo]
    /// Holders known to be down (a probe's unreachable ones): asked last.
    public var suspects: Set<PeerID>
    public var segments: [Int]

    public init(layout: PlacedFile, holders: [PeerID: PeerInfo], suspects: Set<PeerID> = [], segments: [Int]) {
        self.layout = layout
        self.holders = holders
        self.suspects = suspects
        self.segments = segments
    }
}

/// k shards of one segment, ready to decode: `shards[i]` is shard `slots[i]`, not yet verified (the decoder
/// checks each against its ID; a bad one goes back with `PeerCommand.shardCorrupt`).
public struct SegmentShards: Sendable {
    public var segment: Int
    public var slots: [Int]
    public var shards: [ByteBuffer]
}
