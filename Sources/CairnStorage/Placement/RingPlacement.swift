import CairnWire

/// Which providers hold which shard: segment s takes n consecutive providers of the ring starting at s·n, so
/// shards of one segment sit on n distinct providers (the ring has at least n) and load spreads evenly.
public struct RingPlacement: Sendable {
    public let ring: [PeerInfo]
    public let n: Int

    public init(ring: [PeerInfo], n: Int) {
        precondition(ring.count >= n && n > 0, "a ring of \(ring.count) cannot hold \(n) distinct shards")
        self.ring = ring
        self.n = n
    }

    public func holders(forSegment segment: Int) -> [PeerInfo] {
        (0..<n).map { ring[(segment * n + $0) % ring.count] }
    }
}
