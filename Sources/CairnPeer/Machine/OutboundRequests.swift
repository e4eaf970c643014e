import CairnChain
import CairnDHT
import CairnWire

/// The requests this peer has sent and not yet seen settled, each with what it was for.
///
/// IDs are handed out in sequence and every request settles by its timer at the latest, so they live in a
/// sliding window indexed by ID rather than in a hash table: every message a peer sends or is answered passes
/// through here, and the simulator drives hundreds of millions of them through 10^5 peers.
struct OutboundRequests: Sendable {
    enum Purpose: Hashable, Sendable {
        /// A Kademlia request of the node's.
        case dht(RequestID)
        /// A dial to a bootstrap address, to learn its PeerID.
        case dial(PeerAddress)
        /// A request of the put or get started by command `CommandID`.
        case owner(CommandID, OwnerRequest)
        /// A request of the chain machine's.
        case chain(ChainRequestID)
        /// The market agent's request for a file's descriptor (`MarketAgent`).
        case marketDescriptor(Key256)
    }

    /// ID of `slots[head]`; the window holds the IDs from there to the next one to be handed out.
    private var base: UInt64 = 1
    private var slots: [Purpose?] = []
    private var head = 0
    private(set) var count = 0

    mutating func insert(_ purpose: Purpose) -> OutboundID {
        let id = OutboundID(rawValue: base + UInt64(slots.count - head))
        slots.append(purpose)
        count += 1
        return id
    }

    subscript(id: OutboundID) -> Purpose? {
        index(of: id).flatMap { slots[$0] }
    }

    mutating func remove(_ id: OutboundID) -> Purpose? {
        guard let index = index(of: id), let purpose = slots[index] else { return nil }
        slots[index] = nil
        count -= 1
        while head < slots.count, slots[head] == nil {
            head += 1
            base += 1
        }
        if head == slots.count {
            // A burst (a tick's pings) may have grown the buffer; thousands of idle peers should not keep it.
            slots.removeAll(keepingCapacity: slots.capacity <= 16)
            head = 0
        } else if head >= 64, head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return purpose
    }

    /// Every request still waiting, oldest first.
    var all: [OutboundID] {
        (head..<slots.count).compactMap { slots[$0] == nil ? nil : OutboundID(rawValue: base + UInt64($0 - head)) }
    }

    private func index(of id: OutboundID) -> Int? {
        guard id.rawValue >= base else { return nil }
        let offset = id.rawValue - base
        guard offset < UInt64(slots.count - head) else { return nil }
        return head + Int(offset)
    }
}
