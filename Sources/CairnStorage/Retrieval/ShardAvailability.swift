import CairnCrypto
import CairnWire

/// What a probe of a file's holders found (issue 6, item 5): which shards each holder that answered has, and
/// which holders did not answer. Pure: `firstShortSegment` decides from it whether the file can be assembled.
public struct ShardAvailability: Sendable {
    /// Per holder that answered, the shards it has.
    public var held: [PeerID: Set<ShardID>] = [:]
    /// Holders with no known address, or that did not answer the probe in time.
    public var unreachable: Set<PeerID> = []

    public init(held: [PeerID: Set<ShardID>] = [:], unreachable: Set<PeerID> = []) {
        self.held = held
        self.unreachable = unreachable
    }

    /// The first segment after `skip` with fewer than k shards available, and a sentence saying why, e.g.
    /// `only 2 of the 4 shards needed are available (holders 1a2b3c4d, 5e6f7a8b unreachable)`.
    public func firstShortSegment(of layout: PlacedFile, after skip: Int = -1) -> (segment: Int, reason: String)? {
        let k = layout.parameters.k
        for (index, segment) in layout.segments.enumerated() where index > skip {
            var available = 0
            var down: [String] = []
            var missing: [String] = []
            for (shard, (id, holder)) in zip(segment.shardIDs, segment.holders).enumerated() {
                if held[holder]?.contains(id) == true {
                    available += 1
                } else if unreachable.contains(holder) || held[holder] == nil {
                    down.append(holder.shortHex)
                } else {
                    missing.append("\(holder.shortHex) lacks shard \(shard)")
                }
            }
            guard available < k else { continue }
            var why: [String] = []
            if !down.isEmpty { why.append("holders \(Array(Set(down)).sorted().joined(separator: ", ")) unreachable") }
            if !missing.isEmpty { why.append(missing.joined(separator: ", ")) }
            return (index, "only \(available) of the \(k) shards needed are available (\(why.joined(separator: "; ")))")
        }
        return nil
    }
}
