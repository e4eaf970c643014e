import CairnChain
import CairnDHT
import CairnWire

/// The peer while it listens: the Kademlia node and everything the peer keeps around it. `PeerMachine` holds
/// it in its `running` state.
struct RunningPeer: Sendable {
    // Laid out in declaration order: what every message touches first (see `DHTNode`), the config last.
    var outbound = OutboundRequests()
    var actions: [PeerAction] = []
    var dht: DHTNode
    /// Queries started by local commands, with the command that waits for each.
    var commands: [QueryID: CommandID] = [:]
    var join = JoinState()
    /// Joins finished so far (successful or not): the first one makes the peer "joined".
    var joins = 0
    /// `RoutingTable.contactsVersion` when the contacts were last handed out to be saved.
    var persistedContacts: UInt64?
    /// The provider side; nil for a peer that stores nothing for others.
    var provider: ProviderMachine?
    /// The owner side: puts in progress, by the command that started each.
    var files = OwnerOperations()
    /// The chain; nil for a peer that does not run it.
    var chain: ChainMachine?
    /// Chain peers' addresses learned from their requests and from lookups (validators need not be in the
    /// routing table).
    var chainAddresses: [PeerID: PeerInfo] = [:]
    /// Chain messages waiting for their peer's address, and the lookups finding it.
    var chainWaiting: [PeerID: [ChainOutgoing]] = [:]
    var chainLookups: [QueryID: PeerID] = [:]
    /// The storage market's duties of this peer; nil when it takes no part.
    var marketAgent: MarketAgent?
    /// Lookups of the keepers of files whose descriptors the market agent wants.
    var marketLookups: [QueryID: Key256] = [:]
    /// Slots this peer is rebuilding for the market, by the internal command that runs each
    /// (`RunningPeer+SelfRepair.swift`).
    var selfRepairs: [CommandID: MarketAgent.SlotRepair] = [:]
    var nextSelfRepair: UInt64 = 1
    let identity: Identity
    let config: PeerMachineConfig

    init(identity: Identity, address: PeerAddress, config: PeerMachineConfig, chain: ChainMachine?, now: Instant) {
        dht = DHTNode(identity: identity, address: address, config: config.dht, now: now)
        self.chain = chain
        provider = config.provider.map { ProviderMachine(config: $0, holder: identity, addresses: [address]) }
        marketAgent = config.market.map { MarketAgent(config: $0, local: identity.publicKey, address: "\(address)") }
        self.identity = identity
        self.config = config
    }

    var localPeer: PeerInfo { dht.localPeer }

    /// Hands the routing table's contacts to the driver to save.
    mutating func persistContacts() {
        persistedContacts = dht.routingTable.contactsVersion
        actions.append(.persistContacts(dht.routingTable.entries.map(\.peer)))
    }

    mutating func takeActions() -> [PeerAction] {
        guard !actions.isEmpty else { return [] }
        defer { actions = [] }
        return actions
    }

    /// Restores the saved contacts, arms the periodic timers and joins.
    mutating func start(contacts: [PeerInfo], now: Instant) {
        for contact in contacts where contact.id != dht.localPeer.id { dht.addKnownPeer(contact, now: now) }
        actions.append(.armTimer(.maintenance, at: now + config.maintenanceInterval))
        actions.append(.armTimer(.rejoin, at: now + config.rejoinInterval))
        actions.append(.armTimer(.persistContacts, at: now + config.persistInterval))
        provider?.start(now: now, actions: &actions)
        startJoin(now: now)
        startChain(now: now)
        pumpDHT(now: now)
    }

    /// Fails every waiting command, says goodbye to the nearest contacts and saves the routing table.
    ///
    /// The goodbye goes to the k contacts closest to this peer: Kademlia keeps the buckets nearest a peer full,
    /// so those are the peers sure to hold it, and k messages keep a shutdown short whatever the table's size.
    mutating func stop() {
        for contact in dht.closestKnown(to: dht.localPeer.id, count: config.dht.k) {
            actions.append(.announce(.dht(.leaving), to: contact))
        }
        for command in commands.values { actions.append(.deliver(command, .failed("the peer is shutting down"))) }
        commands.removeAll()
        stopFiles()
        for id in outbound.all { actions.append(.abandon(id)) }
        outbound = OutboundRequests()
        for timer in [PeerTimer.maintenance, .rejoin, .persistContacts] { actions.append(.cancelTimer(timer)) }
        provider?.stop(actions: &actions)
        persistContacts()
    }

    mutating func handle(_ event: PeerEvent, now: Instant) {
        switch event {
        case .started, .stopping:
            break
        case .requestReceived(let id, let request, let from, let remote):
            serve(request, id: id, from: from, remote: remote, now: now)
        case .answered(let id, let response):
            // One value at a time: a tuple with the response would copy it.
            switch settle(id) {
            case .dht(let request)?:
                if case .dht(let answer) = response {
                    dht.handleResponse(answer, to: request, now: now)
                } else {
                    dht.handleFailure(of: request, now: now)
                }
            case .dial?: dialSettled(now: now)
            case .owner(let operation, let request)?:
                ownerAnswered(operation, request, response: response, reason: nil, now: now)
            case .chain(let request)?:
                let answer: ChainResponse? = if case .chain(let answer) = response { answer } else { nil }
                withChain(now: now) { $0.answered(request, answer, now: now) }
            case .marketDescriptor(let fileID)?:
                var bytes: [UInt8]?
                if case .storage(.blob(let blob?)) = response { bytes = Array(blob.readableBytesView) }
                withMarketAgent(now: now) { $0.descriptorAnswered(fileID, bytes: bytes) }
            case nil: break
            }
        case .failed(let id, let reason):
            if case .dial(let address)? = outbound[id] {
                actions.append(.log(PeerLogEntry(.warning, "bootstrap peer unreachable",
                                                 ["cairn.address": "\(address)", "cairn.error": reason])))
            }
            fail(id, reason: reason, now: now)
        case .dialed(let id, let peer):
            guard case .dial(let address)? = outbound[id] else { return }
            if peer != dht.localPeer.id { join.found.append(PeerInfo(id: peer, address: address)) }
            _ = settle(id)
            dialSettled(now: now)
        case .announced(.dht(.leaving), let peer):
            dht.peerLeft(peer)
        case .announced(.chain(let announcement), let peer):
            withChain(now: now) { $0.announced(announcement, from: peer, now: now) }
        case .chainWritten(let ticket):
            withChain(now: now) { $0.persisted(ticket, now: now) }
        case .timerFired(let timer):
            fire(timer, now: now)
        case .command(let id, let command):
            switch command {
            case .query(let query):
                commands[dht.startQuery(query, now: now)] = id
            case .chain(let command):
                chainCommand(command, id: id, now: now)
            case .market(let command):
                marketCommand(command, id: id, now: now)
            default:
                handleFileCommand(command, id: id, now: now)
            }
        case .storeCompleted(let ticket, let outcome):
            if ticket.rawValue & Self.selfRepairTicketBit != 0 {
                selfRepairRebuilt(ticket, outcome, now: now)
            } else if ticket.rawValue & MarketAgent.ticketBit != 0 {
                withMarketAgent(now: now) { $0.storeCompleted(ticket, outcome) }
            } else {
                provider?.completed(ticket, outcome, now: now, actions: &actions)
            }
        }
        pumpDHT(now: now)
        routeInternalDeliveries(now: now)
    }

    // MARK: - Serving

    /// Answers `request` from `remote` (the peer the connection authenticated; this peer for a local request),
    /// which advertised `from`.
    mutating func serve(_ request: Request, id: InboundID, from: PeerInfo?, remote: PeerID, now: Instant) {
        switch request {
        case .dht(let request):
            actions.append(.respond(id, .dht(dht.handleRequest(request, from: from, now: now))))
        case .echo(let payload):
            actions.append(.respond(id, .echo(payload)))
        case .storage(let request):
            guard provider != nil else {
                // No capacity at all: a blob round does not count such a keeper (`BlobRound.failure`).
                actions.append(
                    .respond(id, .error(RemoteError(code: .noCapacity, message: "this peer does not store data"))))
                return
            }
            if case .putBlob(_, let key, let record?, _) = request,
               let refusal = record.key == key ? acceptProviderRecord(record, now: now)
                   : "it is for another key (\(record.key.hex))"
            {
                actions.append(.respond(id, .error(RemoteError(
                    code: .refused, message: "the provider record sent with blob \(key.hex) was refused: \(refusal)"))))
                return
            }
            // Only a confirmation, an adoption or a delete asks the committed market (`keepTerms`).
            let terms: (Key256) -> ProviderMachine.KeepTerms
            switch request {
            case .confirm, .adopt, .delete: terms = keepTerms
            default: terms = { _ in .unlimited }
            }
            provider?.serve(request, id: id, sender: remote, now: now, terms: terms, actions: &actions)
        case .chain(let request):
            serveChain(request, id: id, from: from)
        }
    }

    /// Stores a provider record that arrived with a blob, as an `addProvider` request would (it spares the
    /// uploader a separate DHT STORE to the same peer); returns why it was refused, or nil when stored.
    mutating func acceptProviderRecord(_ record: ProviderRecord, now: Instant) -> String? {
        switch dht.handleRequest(.addProvider(record), from: nil, now: now) {
        case .stored: nil
        case .refused(let reason): reason
        default: "an unexpected answer from the DHT"
        }
    }

    // MARK: - Requests and timers

    /// Sends `request`, failing it after `timeout` (the config's request timeout when nil) without an answer.
    mutating func send(_ request: Request, to peer: PeerInfo, for purpose: OutboundRequests.Purpose, now: Instant,
                       timeout: Duration? = nil) {
        let id = outbound.insert(purpose)
        actions.append(.send(id, to: peer, request))
        actions.append(.armTimer(.requestTimeout(id), at: now + (timeout ?? config.requestTimeout)))
    }

    /// Request `id` ended with an answer: its timer goes; returns what it was for (nil when already settled).
    mutating func settle(_ id: OutboundID) -> OutboundRequests.Purpose? {
        guard let purpose = outbound.remove(id) else { return nil }
        actions.append(.cancelTimer(.requestTimeout(id)))
        return purpose
    }

    /// Request `id` failed or timed out, for `reason`.
    mutating func fail(_ id: OutboundID, reason: String, now: Instant) {
        guard let purpose = outbound.remove(id) else { return }
        actions.append(.cancelTimer(.requestTimeout(id)))
        switch purpose {
        case .dht(let request): dht.handleFailure(of: request, now: now)
        case .dial: dialSettled(now: now)
        case .owner(let operation, let request):
            ownerAnswered(operation, request, response: nil, reason: reason, now: now)
        case .chain(let request):
            withChain(now: now) { $0.answered(request, nil, now: now) }
        case .marketDescriptor(let fileID):
            withMarketAgent(now: now) { $0.descriptorAnswered(fileID, bytes: nil) }
        }
    }

    mutating func fire(_ timer: PeerTimer, now: Instant) {
        switch timer {
        case .requestTimeout(let id):
            guard outbound[id] != nil else { return }
            actions.append(.abandon(id))
            fail(id, reason: "it did not answer in time", now: now)
        case .maintenance:
            dht.tick(now: now)
            chain?.setNeighbours(dht.routingTable.entries.map(\.peer.id))
            actions.append(.armTimer(.maintenance, at: now + config.maintenanceInterval))
        case .rejoin:
            if dht.routingTable.count == 0 { startJoin(now: now) }
            actions.append(.armTimer(.rejoin, at: now + config.rejoinInterval))
        case .persistContacts:
            // Only a table whose contacts changed is saved again (an idle peer's, or a simulated one's, is not
            // copied every 30 s).
            if dht.routingTable.contactsVersion != persistedContacts { persistContacts() }
            actions.append(.armTimer(.persistContacts, at: now + config.persistInterval))
        case .reclaimPending:
            provider?.reclaimTimerFired(now: now, actions: &actions)
        case .owner(let number):
            ownerTimerFired(number, now: now)
        case .chain(let timer):
            withChain(now: now) { $0.timerFired(timer, now: now) }
        }
    }

    /// Carries the node's wishes out: its sends become requests with timers, finished queries go to whoever
    /// waits for them.
    mutating func pumpDHT(now: Instant) {
        // A finished query may start another (the join publishes the peer record): drain until quiet.
        while true {
            let pending = dht.takeActions()
            guard !pending.isEmpty else { return }
            for action in pending { carryOut(action, now: now) }
        }
    }

    mutating func carryOut(_ action: DHTAction, now: Instant) {
        switch action {
        case .send(let request, let peer, let message):
            send(.dht(message), to: peer, for: .dht(request), now: now)
        case .finished(let query, let outcome, let stats):
            actions.append(.observed(.lookupFinished(outcome, stats)))
            if let command = commands.removeValue(forKey: query) {
                actions.append(.deliver(command, .queryFinished(outcome, stats)))
            } else if let put = files.lookups.removeValue(forKey: query) {
                putLookedUp(put, outcome, now: now)
            } else if let fileID = marketLookups.removeValue(forKey: query) {
                var keepers: [PeerInfo]?
                if case .closestPeers(_, let found) = outcome { keepers = found }
                withMarketAgent(now: now) { $0.lookedUp(fileID, keepers: keepers) }
            } else if let peer = chainLookups.removeValue(forKey: query) {
                chainPeerLookedUp(peer, outcome, now: now)
            } else if let resolve = files.peerLookups.removeValue(forKey: query) {
                holderLookedUp(resolve, outcome, now: now)
            } else if join.query == query {
                joined(stats: stats, now: now)
            }
        }
    }
}
