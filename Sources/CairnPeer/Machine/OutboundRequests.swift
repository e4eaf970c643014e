import CairnDHT
import CairnWire

/// The requests this peer has sent and not yet seen settled, each with what it was for.
struct OutboundRequests: Sendable {
    enum Purpose: Hashable, Sendable {
        /// A Kademlia request of the node's.
        case dht(RequestID)
        /// A dial to a bootstrap address, to learn its PeerID.
        case dial(PeerAddress)
    }

    private var pending: [OutboundID: Purpose] = [:]
    private var next: UInt64 = 1

    mutating func insert(_ purpose: Purpose) -> OutboundID {
        let id = OutboundID(rawValue: next)
        next += 1
        pending[id] = purpose
        return id
    }

    subscript(id: OutboundID) -> Purpose? { pending[id] }

    mutating func remove(_ id: OutboundID) -> Purpose? { pending.removeValue(forKey: id) }

    var all: [OutboundID] { pending.keys.sorted() }

    var count: Int { pending.count }
}
