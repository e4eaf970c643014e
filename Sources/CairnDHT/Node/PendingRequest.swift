import CairnWire

/// A request the node sent and still expects a response or failure for.
struct PendingRequest: Sendable {
    enum Purpose: Sendable {
        /// A step of this query's lookup.
        case lookup(QueryID)
        /// A STORE at one of the k closest peers, after this query's lookup.
        case store(QueryID)
        /// A ping deciding whether the peer stays in the routing table.
        case liveness
    }

    var peer: PeerInfo
    var purpose: Purpose
}
