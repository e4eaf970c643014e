import CairnChain
import CairnPeer
import CairnWire

/// Something that happens at one instant of virtual time to one simulated peer.
enum SimEvent {
    /// Peer `index` starts: it listens and joins.
    case start(Int32)
    /// A request from `from` arrives at `to`.
    case request(from: Int32, to: Int32, OutboundID, Request)
    /// A one-way message from `from` arrives at `to`.
    case announcement(from: Int32, to: Int32, Announcement)
    /// The answer to request `id` of peer `to` arrives.
    case response(to: Int32, OutboundID, Response)
    /// Peer `to`'s dial reached the peer with ID `peer`.
    case dialed(to: Int32, OutboundID, PeerID)
    /// A timer of peer `node` fires, if `sequence` is still its live arming (see `TimerQueue`, which holds
    /// all timers but those whose delay found no lane).
    case timer(Int32, PeerTimer, sequence: UInt64)
    /// A local command reaches peer `node`.
    case command(Int32, CommandID, PeerCommand)
    /// Store operation `ticket` of peer `node` finished. Boxed (`indirect`): outcomes are larger than the other
    /// events, and every event in the queue would otherwise take their size.
    indirect case storeCompleted(Int32, StoreTicket, StoreOutcome)
    /// Chain write `ticket` of peer `node` is durable.
    case chainWritten(Int32, ChainWriteTicket)
}
