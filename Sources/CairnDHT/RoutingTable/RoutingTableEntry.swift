/// A peer in the routing table and when it was last heard from.
public struct RoutingTableEntry: Hashable, Sendable {
    public var peer: PeerInfo
    /// Last time the peer answered a request or sent one.
    public var lastSeen: Instant
    /// Requests to the peer that failed since it last answered.
    public var consecutiveFailures: Int

    public init(peer: PeerInfo, lastSeen: Instant, consecutiveFailures: Int = 0) {
        self.peer = peer
        self.lastSeen = lastSeen
        self.consecutiveFailures = consecutiveFailures
    }
}
