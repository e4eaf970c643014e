import CairnWire

extension DHTNode {
    /// Answers a request from another peer. `peer` is the caller as it can be dialled back; nil when it has
    /// no listen address (it is answered but not added to the routing table).
    ///
    /// Records are verified before they are stored; a forged or expired one is answered with `.refused`.
    public mutating func handleRequest(_ request: DHTRequest, from peer: PeerInfo?, now: Instant) -> DHTResponse {
        if let peer, peer.id != localPeer.id { observe(peer, now: now) }
        let requester = peer?.id
        switch request {
        case .ping:
            return .pong
        case .findNode(let target):
            return .nodes(routingTable.closest(to: target, count: config.k, excluding: requester))
        case .getPeerRecord(let id):
            let closer = routingTable.closest(to: id, count: config.k, excluding: requester)
            // A peer asked for its own record serves it, signed now if it has not published one yet: that is how
            // a stranger learns its public key (`DHTQuery.findPeerRecord`).
            let record = records.peerRecord(for: id, now: now) ?? (id == localPeer.id ? ownRecord(now: now) : nil)
            return .peerRecord(record, closer: closer)
        case .putPeerRecord(let record):
            do {
                try records.putPeerRecord(record, now: now)
                return .stored
            } catch {
                return .refused(error.description)
            }
        case .getProviders(let key):
            let held = Array(records.providers(for: key, now: now).prefix(DHTRequest.maxRecordsPerResponse))
            let closer = routingTable.closest(to: key, count: config.k, excluding: requester)
            return .providers(held, closer: closer)
        case .addProvider(let record):
            do {
                try records.addProvider(record, now: now)
                return .stored
            } catch {
                return .refused(error.description)
            }
        }
    }
}
