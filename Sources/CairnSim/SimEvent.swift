import CairnDHT
import CairnWire

/// Something that happens at one instant of virtual time. Request timeouts live in `TimeoutQueue`.
enum SimEvent {
    /// A request arrives at `to`; its response leaves at once. `ticket` names the request's timeout.
    case request(from: Int32, to: Int32, RequestID, DHTRequest, ticket: UInt64)
    case response(to: Int32, RequestID, DHTResponse, ticket: UInt64)
    /// Peer `index` joins through the bootstrap peer.
    case join(Int32)
    /// Lookup number `index` of the plan starts.
    case lookup(Int32)
    /// Peer `index` runs its periodic upkeep (`DHTNode.tick`).
    case tick(Int32)
}
