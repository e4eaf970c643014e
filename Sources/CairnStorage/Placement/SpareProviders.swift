import CairnCrypto
import CairnWire

/// Where a refused shard goes next (issue 6, item 8): any provider of the ring that holds nothing of its
/// segment and is not known to be full. One pool per segment, shared by the segment's shards, so that two
/// retries never pick the same provider; providers that refused for lack of room are skipped by every segment
/// of the put.
public struct SpareProviders: Sendable {
    /// Providers of the ring not dealt to this segment, nearest first.
    private var spares: [PeerInfo]
    /// Providers that hold, or are being asked to hold, a shard of this segment.
    public private(set) var taken: Set<PeerID>

    public init(ring: [PeerInfo], holders: [PeerInfo]) {
        let taken = Set(holders.map(\.id))
        self.taken = taken
        spares = ring.filter { !taken.contains($0.id) }
    }

    /// The next spare for a shard whose provider refused or failed, skipping providers known to be `full`; nil
    /// when none is left. The spare is taken: no other shard of the segment gets it.
    public mutating func take(skipping full: Set<PeerID>) -> PeerInfo? {
        while !spares.isEmpty {
            let next = spares.removeFirst()
            guard !full.contains(next.id), !taken.contains(next.id) else { continue }
            taken.insert(next.id)
            return next
        }
        return nil
    }

    /// Spares still available.
    public var remaining: Int { spares.count }
}
