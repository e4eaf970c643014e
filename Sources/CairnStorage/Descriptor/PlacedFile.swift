import CairnCrypto
import CairnWire

/// A file as a reader or a deleter sees it: its descriptor (what it is) joined with its placement (who holds
/// each shard now), segment by segment.
public struct PlacedFile: Sendable {
    public let fileID: Key256
    public let descriptor: Descriptor
    public let placement: FilePlacement
    public private(set) var segments: [Segment]

    /// One segment: its sizes, its n shard IDs and who holds each (`Key256.zero` where no record says).
    public struct Segment: Hashable, Sendable {
        public var plaintextLength: Int
        public var shardLength: Int
        public var shardIDs: [ShardID]
        public var holders: [PeerID]
    }

    public init(fileID: Key256, descriptor: Descriptor, placement: FilePlacement) {
        self.fileID = fileID
        self.descriptor = descriptor
        self.placement = placement
        segments = descriptor.shardIDs.indices.map { index in
            Segment(plaintextLength: descriptor.plaintextLength(ofSegment: index),
                    shardLength: descriptor.shardLength(ofSegment: index), shardIDs: descriptor.shardIDs[index],
                    holders: placement.holders[index].map { $0 ?? .zero })
        }
    }

    public var parameters: CodingParameters { descriptor.parameters }
    public var fileSize: UInt64 { descriptor.fileSize }
    public var fileNonce: Key256 { descriptor.fileNonce }
    public var owner: PublicKey { descriptor.owner }

    /// The IDs of the shards `holder` holds, in (segment, index) order.
    public func shardIDs(heldBy holder: PeerID) -> [ShardID] {
        var ids: [ShardID] = []
        for segment in segments {
            for (index, id) in segment.shardIDs.enumerated() where segment.holders[index] == holder { ids.append(id) }
        }
        return ids
    }

    /// The same file with slot `slot` of every segment held by `holder`, for each entry of `holders`: what the
    /// chain's agreements say of a slot-stable file (one provider per slot) when placement records are missing
    /// or stale.
    public func withSlotHolders(_ holders: [Int: PeerID]) -> PlacedFile {
        var copy = self
        for index in copy.segments.indices {
            for (slot, holder) in holders where slot < copy.segments[index].holders.count {
                copy.segments[index].holders[slot] = holder
            }
        }
        return copy
    }
}
