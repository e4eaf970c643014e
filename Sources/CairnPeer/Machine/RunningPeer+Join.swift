import CairnDHT
import CairnWire

/// Where a join stands. A join dials every bootstrap address to learn whose it is (they are configured by
/// address only), then looks up the peer's own ID through everyone it knows (Kademlia §2.3), then publishes
/// the peer's record; a peer whose table empties joins again (`PeerTimer.rejoin`).
struct JoinState: Sendable {
    /// Dials in flight.
    var dials = 0
    /// Bootstrap peers whose IDs the dials learned.
    var found: [PeerInfo] = []
    /// The self-lookup, once started.
    var query: QueryID?

    var isRunning: Bool { dials > 0 || query != nil }
}

extension RunningPeer {
    mutating func startJoin(now: Instant) {
        guard !join.isRunning else { return }
        join = JoinState()
        let own = dht.localPeer.address
        for address in config.bootstrap where address != own {
            let id = outbound.insert(.dial(address))
            join.dials += 1
            actions.append(.dial(id, address))
            actions.append(.armTimer(.requestTimeout(id), at: now + config.dialTimeout))
        }
        if join.dials == 0 { lookUpSelf(now: now) }
    }

    /// One dial answered or failed; with the last one, the self-lookup starts.
    mutating func dialSettled(now: Instant) {
        join.dials -= 1
        guard join.dials == 0 else { return }
        for peer in join.found { dht.addKnownPeer(peer, now: now) }
        lookUpSelf(now: now)
    }

    mutating func lookUpSelf(now: Instant) {
        join.query = dht.startQuery(.bootstrap, now: now)
    }

    mutating func joined(stats: QueryStats, now: Instant) {
        join = JoinState()
        joins += 1
        actions.append(.log(PeerLogEntry(.info, "joined network", [
            "cairn.known": "\(dht.routingTable.count)", "cairn.hops": "\(stats.hops)",
        ])))
        dht.startQuery(.publishPeerRecord, now: now)
        persistContacts()
    }
}
