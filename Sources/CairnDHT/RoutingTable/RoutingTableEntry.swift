import CairnWire

/// A peer in the routing table and when it was last heard from.
public struct RoutingTableEntry: Hashable, Sendable {
    public var peer: PeerInfo
    // Stored narrow and before `lastSeen` so that an entry fits in 64 bytes: the simulator holds millions.
    private var failures: UInt16
    /// Last time the peer answered a request or sent one.
    public var lastSeen: Instant

    public init(peer: PeerInfo, lastSeen: Instant, consecutiveFailures: Int = 0) {
        self.peer = peer
        self.failures = UInt16(clamping: consecutiveFailures)
        self.lastSeen = lastSeen
    }

    /// Requests to the peer that failed since it last answered.
    public var consecutiveFailures: Int {
        get { Int(failures) }
        set { failures = UInt16(clamping: newValue) }
    }
}
