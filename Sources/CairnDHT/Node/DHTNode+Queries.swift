import CairnWire

extension DHTNode {
    /// Starts a query; its `.finished` action names the returned ID. A node that knows no peer finishes it
    /// at once (a closest-peers query then returns the local peer alone).
    ///
    /// `alpha` overrides `DHTConfig.alpha` for this query's lookup: how many requests it keeps in flight. A
    /// caller that needs every one of the closest peers at once (a file's keepers) asks more of them at a time,
    /// as go-libp2p-kad-dht's default concurrency of 10 does: a lookup in a network of a few peers is then one
    /// round trip.
    @discardableResult
    public mutating func startQuery(_ query: DHTQuery, now: Instant, alpha: Int? = nil) -> QueryID {
        let goal: QueryState.Goal
        switch query {
        case .closestPeers(let key):
            goal = .closestPeers(key)
        case .findPeer(let id):
            goal = .findPeer(id)
        case .findPeerRecord(let id):
            goal = .findPeerRecord(id)
        case .getProviders(let key):
            goal = .getProviders(key)
        case .provide(let key):
            provided[key] = now
            goal = .provide(ProviderRecord(key: key, identity: identity, addresses: [localPeer.address],
                                           expires: now + config.recordTTL))
        case .publishPeerRecord:
            peerRecordPublished = now
            goal = .publishPeerRecord(ownRecord(now: now))
        case .bootstrap:
            goal = .refresh(join: true)
        }
        return start(goal, external: true, now: now, alpha: alpha)
    }

    /// The response to request `id` arrived. Unknown and already-settled ids are ignored.
    public mutating func handleResponse(_ response: DHTResponse, to id: RequestID, now: Instant) {
        guard let request = requests.remove(id) else { return }
        // Whatever it said, the peer is alive.
        observe(request.peer, now: now)
        switch request.purpose {
        case .liveness:
            pingSettled(request.peer.id)
        case .lookup(let queryID):
            guard var query = queries.take(queryID) else { return }
            let running: Bool
            if let outcome = absorb(response, from: request.peer, into: &query, now: now) {
                finish(query, outcome, now: now)
                running = false
            } else {
                running = advance(&query, now: now)
            }
            if running { queries.put(consume query) }
        case .store(let queryID):
            guard var query = queries.take(queryID) else { return }
            if case .stored = response { query.stored += 1 }
            if storeSettled(&query, now: now) { queries.put(consume query) }
        }
    }

    /// Request `id` timed out, its connection failed or its response was unusable. Unknown ids are ignored.
    public mutating func handleFailure(of id: RequestID, now: Instant) {
        guard let request = requests.remove(id) else { return }
        let peer = request.peer.id
        switch request.purpose {
        case .liveness:
            pingSettled(peer)
            routingTable.remove(peer)
        case .lookup(let queryID):
            routingTable.recordFailure(of: peer, limit: config.maxConsecutiveFailures)
            guard var query = queries.take(queryID) else { return }
            query.lookup.onFailure(peer)
            if advance(&query, now: now) { queries.put(consume query) }
        case .store(let queryID):
            routingTable.recordFailure(of: peer, limit: config.maxConsecutiveFailures)
            guard var query = queries.take(queryID) else { return }
            query.storeFailures += 1
            if storeSettled(&query, now: now) { queries.put(consume query) }
        }
    }

    // MARK: - Running queries
    // Queries are taken out of `queries` while they are worked on and put back when they still run; the
    // helpers return whether they do.

    mutating func start(_ goal: QueryState.Goal, external: Bool, now: Instant, refreshing buckets: [Int] = [],
                        alpha: Int? = nil) -> QueryID
    {
        let id = QueryID(rawValue: nextQuery)
        nextQuery += 1
        let target: Key256
        let request: DHTRequest
        var phase = QueryState.Phase.lookup
        switch goal {
        case .closestPeers(let key):
            (target, request) = (key, .findNode(target: key))
        case .provide(let record):
            (target, request) = (record.key, .findNode(target: record.key))
        case .findPeer(let peer), .findPeerRecord(let peer):
            (target, request) = (peer, .getPeerRecord(peer))
        case .getProviders(let key):
            (target, request) = (key, .getProviders(key: key))
        case .publishPeerRecord:
            (target, request) = (localPeer.id, .findNode(target: localPeer.id))
        case .refresh:
            (target, request) = (localPeer.id, .findNode(target: localPeer.id))
            phase = .refreshing(buckets: buckets)
        }
        var query = QueryState(id: id, goal: goal, external: external, started: now,
                               lookup: makeLookup(target: target, now: now, alpha: alpha), lookupRequest: request, phase: phase)
        if case .getProviders(let key) = goal {
            for record in records.providers(for: key, now: now) { query.providers[record.provider] = record }
        }
        if case .findPeer(let peer) = goal, peer == localPeer.id {
            query.hops = 0
            finish(query, .peerFound(peer, [localPeer.address]), now: now)
            return id
        }
        if case .findPeerRecord(let peer) = goal, peer == localPeer.id {
            query.hops = 0
            finish(query, .peerRecord(peer, ownRecord(now: now)), now: now)
            return id
        }
        if case .publishPeerRecord(let record) = goal, let recent = selfNeighbours,
            now < recent.found + config.selfLookupReuse
        {
            query.hops = 0
            if storeAt(recent.peers, &query, .putPeerRecord(record), now: now) { queries.put(consume query) }
            return id
        }
        if advance(&query, now: now) { queries.put(consume query) }
        return id
    }

    /// This peer's record, signed now, valid for `recordTTL`.
    func ownRecord(now: Instant) -> PeerRecord {
        PeerRecord(identity: identity, addresses: [localPeer.address], issued: now, expires: now + config.recordTTL)
    }

    /// A lookup seeded from the routing table; the bucket it targets counts as refreshed.
    mutating func makeLookup(target: Key256, now: Instant, alpha: Int? = nil) -> ClosestPeersLookup {
        if let bucket = routingTable.bucketIndex(for: target) {
            routingTable.markRefreshed(bucket: bucket, now: now)
        } else {
            lastSelfLookup = now
        }
        return ClosestPeersLookup(target: target, seeds: routingTable.closest(to: target, count: config.k),
                                  k: config.k, alpha: max(1, alpha ?? config.alpha), localID: localPeer.id)
    }

    /// Sends as many lookup requests as the lookup allows, or moves the query on once the lookup is over.
    mutating func advance(_ query: inout QueryState, now: Instant) -> Bool {
        while true {
            switch query.lookup.next(now: now) {
            case .contact(let peer):
                send(query.lookupRequest, to: peer, purpose: .lookup(query.id))
            case .waiting:
                return true
            case .finished:
                return lookupFinished(&query, now: now)
            }
        }
    }

    /// Takes what a lookup response carries. Returns the outcome when it ends the query (findPeer).
    mutating func absorb(_ response: DHTResponse, from peer: PeerInfo, into query: inout QueryState,
                         now: Instant) -> QueryOutcome? {
        // Switched on one value at a time: a tuple of the two would copy the answer, and destroying such a
        // tuple goes through the runtime's generic code, once per answer.
        let closer: [PeerInfo]
        switch query.lookupRequest {
        case .findNode:
            guard case .nodes(let peers) = response else { return uselessAnswer(from: peer, to: &query) }
            closer = peers
        case .getPeerRecord(let target):
            guard case .peerRecord(let record, let peers) = response else {
                return uselessAnswer(from: peer, to: &query)
            }
            let depth = query.lookup.depth(of: peer.id) ?? 1
            if let record, record.peerID == target, record.isValid(now: now - config.maxClockSkew) {
                query.hops = depth
                if case .findPeerRecord = query.goal { return .peerRecord(target, record) }
                return .peerFound(target, record.addresses)
            }
            if case .findPeerRecord = query.goal {
                closer = peers
                break
            }
            if peer.id == target {
                query.hops = depth
                return .peerFound(target, [peer.address])
            }
            if let listed = peers.first(where: { $0.id == target }) {
                query.hops = depth + 1
                return .peerFound(target, [listed.address])
            }
            closer = peers
        case .getProviders(let key):
            guard case .providers(let found, let peers) = response else {
                return uselessAnswer(from: peer, to: &query)
            }
            for record in found.prefix(DHTRequest.maxRecordsPerResponse) where record.key == key {
                if let held = query.providers[record.provider], held.expires >= record.expires { continue }
                if record.isValid(now: now - config.maxClockSkew) { query.providers[record.provider] = record }
            }
            closer = peers
        default:
            return uselessAnswer(from: peer, to: &query)
        }
        let limit = DHTRequest.maxPeersPerResponse
        query.lookup.onSuccess(peer.id, closer: closer.count <= limit ? closer : Array(closer.prefix(limit)))
        return nil
    }

    /// A response of the wrong kind is useless to the lookup, though it shows the peer is alive.
    func uselessAnswer(from peer: PeerInfo, to query: inout QueryState) -> QueryOutcome? {
        query.lookup.onFailure(peer.id)
        return nil
    }

    /// The k closest peers the lookup reached, the local one included when it is among them.
    func closestIncludingLocal(_ lookup: ClosestPeersLookup) -> [PeerInfo] {
        var result = lookup.results
        let local = localPeer.id.distance(to: lookup.target)
        let i = result.firstIndex { $0.id.distance(to: lookup.target) > local } ?? result.count
        if i < config.k {
            result.insert(localPeer, at: i)
            if result.count > config.k { result.removeLast() }
        }
        return result
    }

    mutating func lookupFinished(_ query: inout QueryState, now: Instant) -> Bool {
        if query.hops == nil { query.hops = query.lookup.hops }
        if query.lookup.target == localPeer.id, !query.lookup.results.isEmpty {
            selfNeighbours = (closestIncludingLocal(query.lookup), now)
        }
        switch query.goal {
        case .closestPeers(let key):
            finish(query, .closestPeers(key, closestIncludingLocal(query.lookup)), now: now)
            return false
        case .findPeer(let peer):
            finish(query, .peerFound(peer, nil), now: now)
            return false
        case .findPeerRecord(let peer):
            finish(query, .peerRecord(peer, nil), now: now)
            return false
        case .getProviders(let key):
            let found = query.providers.values.sorted { $0.provider < $1.provider }
            finish(query, .providers(key, found), now: now)
            return false
        case .provide(let record):
            return storeAtClosest(&query, .addProvider(record), now: now)
        case .publishPeerRecord(let record):
            return storeAtClosest(&query, .putPeerRecord(record), now: now)
        case .refresh(let join):
            return continueRefresh(&query, join: join, now: now)
        }
    }

    /// Sends the STORE to each of the k closest peers the lookup found, and stores locally when this node
    /// is among them.
    mutating func storeAtClosest(_ query: inout QueryState, _ request: DHTRequest, now: Instant) -> Bool {
        storeAt(closestIncludingLocal(query.lookup), &query, request, now: now)
    }

    /// Sends the STORE to each of `peers` (the k closest to the key, this node among them when it is one).
    mutating func storeAt(_ peers: [PeerInfo], _ query: inout QueryState, _ request: DHTRequest, now: Instant)
        -> Bool
    {
        var pending = 0
        for peer in peers {
            if peer.id == localPeer.id {
                if storeLocally(request, now: now) { query.stored += 1 }
            } else {
                send(request, to: peer, purpose: .store(query.id))
                query.storeMessages += 1
                pending += 1
            }
        }
        query.phase = .storing(pending: pending)
        return storeSettled(&query, now: now, settled: 0)
    }

    mutating func storeLocally(_ request: DHTRequest, now: Instant) -> Bool {
        switch request {
        case .addProvider(let record): (try? records.addProvider(record, now: now)) != nil
        case .putPeerRecord(let record): (try? records.putPeerRecord(record, now: now)) != nil
        default: false
        }
    }

    /// `settled` STOREs were answered or failed; finishes the query when none is left.
    mutating func storeSettled(_ query: inout QueryState, now: Instant, settled: Int = 1) -> Bool {
        guard case .storing(let pending) = query.phase else { return true }
        let left = pending - settled
        query.phase = .storing(pending: left)
        guard left <= 0 else { return true }
        switch query.goal {
        case .provide(let record):
            finish(query, .provided(record.key, storedAt: query.stored, closest: closestIncludingLocal(query.lookup)), now: now)
        default:
            finish(query, .peerRecordPublished(storedAt: query.stored), now: now)
        }
        return false
    }

    mutating func finish(_ query: QueryState, _ outcome: QueryOutcome, now: Instant) {
        if maintenanceRefresh == query.id { maintenanceRefresh = nil }
        guard query.external else { return }
        actions.append(.finished(query.id, outcome, query.stats(finished: now)))
    }
}
