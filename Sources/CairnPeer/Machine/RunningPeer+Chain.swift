import CairnChain
import CairnDHT
import CairnWire

/// The chain inside the running peer: `ChainMachine`'s sends get addresses (the routing table, peers that
/// reached this one, else a DHT lookup), its requests the peer's ids and timeouts, its timers and writes become
/// the peer's actions.
extension RunningPeer {
    /// Messages waiting for a peer's address, at most this many per peer.
    static let maxChainWaiting = 64

    enum ChainOutgoing: Sendable {
        case announce(ChainAnnouncement)
        case request(ChainRequestID, ChainRequest)
    }

    mutating func startChain(now: Instant) {
        let neighbours = dht.routingTable.entries.map(\.peer.id)
        withChain(now: now) { chain in
            chain.setNeighbours(neighbours)
            chain.start(now: now)
        }
    }

    /// Runs `body` on the chain machine, then carries its actions out.
    mutating func withChain(now: Instant, _ body: (inout ChainMachine) -> Void) {
        // Mutated through the optional, in place: binding it to a local first copied the machine (a retain of
        // each of its two dozen fields) on every chain event.
        guard chain != nil else { return }
        body(&chain!)
        let produced = chain!.takeActions()
        for action in produced { carryOut(action, now: now) }
    }

    mutating func carryOut(_ action: ChainAction, now: Instant) {
        switch action {
        case .announce(let announcement, let peer):
            sendChain(.announce(announcement), to: peer, now: now)
        case .request(let id, let request, let peer):
            sendChain(.request(id, request), to: peer, now: now)
        case .armTimer(let timer, let instant):
            actions.append(.armTimer(.chain(timer), at: instant))
        case .write(let ticket, let write):
            actions.append(.chainWrite(ticket, write))
        case .committed(let height, let hash, let transactions):
            actions.append(.observed(.chainCommitted(height: height, hash: hash, transactions: transactions)))
            marketCommitted(height: height, now: now)
        case .dropped(let transactions):
            resubmitDropped(transactions, now: now)
        case .evidence(let evidence):
            actions.append(.log(PeerLogEntry(.warning, "a validator signed two conflicting votes", [
                "cairn.chain.validator": evidence.first.vote.validator.address,
                "cairn.chain.height": "\(evidence.first.vote.height)",
            ])))
        case .log(let level, let message):
            let peerLevel: PeerLogEntry.Level = switch level {
            case .debug: .debug
            case .info: .info
            case .warning: .warning
            }
            actions.append(.log(PeerLogEntry(peerLevel, message)))
        }
    }

    /// The address of `peer` as this peer knows it, if it does.
    func chainAddress(of peer: PeerID) -> PeerInfo? {
        if let entry = dht.routingTable.entry(for: peer) { return entry.peer }
        return chainAddresses[peer]
    }

    mutating func sendChain(_ outgoing: ChainOutgoing, to peer: PeerID, now: Instant) {
        guard peer != localPeer.id else { return }
        guard let info = chainAddress(of: peer) else {
            let waiting = chainWaiting[peer, default: []]
            if waiting.isEmpty { chainLookups[dht.startQuery(.findPeer(peer), now: now)] = peer }
            guard waiting.count < Self.maxChainWaiting else {
                if case .request(let id, _) = outgoing { withChain(now: now) { $0.answered(id, nil, now: now) } }
                return
            }
            chainWaiting[peer, default: []].append(outgoing)
            return
        }
        switch outgoing {
        case .announce(let announcement):
            actions.append(.announce(.chain(announcement), to: info))
        case .request(let id, let request):
            send(.chain(request), to: info, for: .chain(id), now: now)
        }
    }

    /// The DHT lookup of a chain peer's address ended: what waited for it is sent, or given up.
    mutating func chainPeerLookedUp(_ peer: PeerID, _ outcome: QueryOutcome, now: Instant) {
        let waiting = chainWaiting.removeValue(forKey: peer) ?? []
        if case .peerFound(let id, let addresses?) = outcome, id == peer, let address = addresses.first {
            chainAddresses[peer] = PeerInfo(id: peer, address: address)
            for outgoing in waiting { sendChain(outgoing, to: peer, now: now) }
            return
        }
        withChain(now: now) { chain in
            for case .request(let id, _) in waiting { chain.answered(id, nil, now: now) }
        }
    }

    /// A chain request from another peer.
    mutating func serveChain(_ request: ChainRequest, id: InboundID, from: PeerInfo?) {
        if let from { chainAddresses[from.id] = from }
        guard let chain else {
            return actions.append(.respond(id, .error(RemoteError(code: .refused, message: "this peer does not run the chain"))))
        }
        switch chain.serve(request) {
        case .answer(let response):
            actions.append(.respond(id, .chain(response)))
        case .readBlocks(let from, let maxCount, let maxBytes):
            actions.append(.chainRead(id, from: from, maxCount: maxCount, maxBytes: maxBytes))
        }
    }

    mutating func chainCommand(_ command: ChainCommand, id: CommandID, now: Instant) {
        guard chain != nil else { return actions.append(.deliver(id, .failed("this peer does not run the chain"))) }
        var result: ChainCommandResult?
        withChain(now: now) { result = $0.perform(command) }
        actions.append(.deliver(id, .chain(result!)))
    }
}
