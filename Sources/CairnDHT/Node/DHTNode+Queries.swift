extension DHTNode {
    /// Starts a query; its `.finished` action names the returned ID. A node that knows no peer finishes it
    /// at once (a closest-peers query then returns the local peer alone).
    @discardableResult
    public mutating func startQuery(_ query: DHTQuery, now: Instant) -> QueryID {
        let goal: QueryState.Goal
        switch query {
        case .closestPeers(let key):
            goal = .closestPeers(key)
        case .findPeer(let id):
            goal = .findPeer(id)
        case .getProviders(let key):
            goal = .getProviders(key)
        case .provide(let key):
            provided[key] = now
            goal = .provide(ProviderRecord(key: key, identity: identity, addresses: [localPeer.address],
                                           expires: now + config.recordTTL))
        case .publishPeerRecord:
            peerRecordPublished = now
            goal = .publishPeerRecord(PeerRecord(identity: identity, addresses: [localPeer.address], issued: now,
                                                 expires: now + config.recordTTL))
        case .bootstrap:
            goal = .refresh(join: true)
        }
        return start(goal, external: true, now: now)
    }

    /// The response to request `id` arrived. Unknown and already-settled ids are ignored.
    public mutating func handleResponse(_ response: DHTResponse, to id: RequestID, now: Instant) {
        guard let request = requests.removeValue(forKey: id) else { return }
        // Whatever it said, the peer is alive.
        observe(request.peer, now: now)
        switch request.purpose {
        case .liveness:
            pinging.remove(request.peer.id)
        case .lookup(let queryID):
            guard var query = queries.removeValue(forKey: queryID) else { return }
            if let outcome = absorb(response, from: request.peer, into: &query, now: now) {
                finish(query, outcome, now: now)
            } else {
                advance(query, now: now)
            }
        case .store(let queryID):
            guard var query = queries.removeValue(forKey: queryID) else { return }
            if case .stored = response { query.stored += 1 }
            storeSettled(query, now: now)
        }
    }

    /// Request `id` timed out, its connection failed or its response was unusable. Unknown ids are ignored.
    public mutating func handleFailure(of id: RequestID, now: Instant) {
        guard let request = requests.removeValue(forKey: id) else { return }
        let peer = request.peer.id
        switch request.purpose {
        case .liveness:
            pinging.remove(peer)
            routingTable.remove(peer)
        case .lookup(let queryID):
            routingTable.recordFailure(of: peer, limit: config.maxConsecutiveFailures)
            guard var query = queries.removeValue(forKey: queryID) else { return }
            query.lookup.onFailure(peer)
            advance(query, now: now)
        case .store(let queryID):
            routingTable.recordFailure(of: peer, limit: config.maxConsecutiveFailures)
            guard var query = queries.removeValue(forKey: queryID) else { return }
            query.storeFailures += 1
            storeSettled(query, now: now)
        }
    }

    // MARK: - Running queries

    mutating func start(_ goal: QueryState.Goal, external: Bool, now: Instant) -> QueryID {
        let id = QueryID(rawValue: nextQuery)
        nextQuery += 1
        let target: Key256
        let request: DHTRequest
        switch goal {
        case .closestPeers(let key), .provide(ProviderRecord(key: let key, providerKey: _, addresses: _,
                                                             expires: _, signature: _)):
            target = key
            request = .findNode(target: key)
        case .findPeer(let peer):
            target = peer
            request = .getPeerRecord(peer)
        case .getProviders(let key):
            target = key
            request = .getProviders(key: key)
        case .publishPeerRecord, .refresh:
            target = localPeer.id
            request = .findNode(target: localPeer.id)
        }
        var query = QueryState(id: id, goal: goal, external: external, started: now,
                               lookup: makeLookup(target: target, now: now), lookupRequest: request, phase: .lookup)
        if case .refresh = goal { query.phase = .refreshing(buckets: []) }
        if case .getProviders(let key) = goal {
            for record in records.providers(for: key, now: now) { query.providers[record.provider] = record }
        }
        if case .findPeer(let peer) = goal, peer == localPeer.id {
            query.hops = 0
            finish(query, .peerFound(peer, [localPeer.address]), now: now)
            return id
        }
        advance(query, now: now)
        return id
    }

    func makeLookupSeeds(target: Key256) -> [PeerInfo] {
        routingTable.closest(to: target, count: config.k)
    }

    mutating func makeLookup(target: Key256, now: Instant) -> ClosestPeersLookup {
        if let bucket = routingTable.bucketIndex(for: target) {
            routingTable.markRefreshed(bucket: bucket, now: now)
        } else {
            lastSelfLookup = now
        }
        return ClosestPeersLookup(target: target, seeds: makeLookupSeeds(target: target), k: config.k,
                                  alpha: config.alpha, localID: localPeer.id)
    }

    /// Sends as many lookup requests as the lookup allows, or moves the query on once the lookup is over.
    mutating func advance(_ query: QueryState, now: Instant) {
        var query = query
        while true {
            switch query.lookup.next(now: now) {
            case .contact(let peer):
                send(query.lookupRequest, to: peer, purpose: .lookup(query.id))
            case .waiting:
                queries[query.id] = query
                return
            case .finished:
                lookupFinished(query, now: now)
                return
            }
        }
    }

    /// Takes what a lookup response carries. Returns the outcome when it ends the query (findPeer).
    mutating func absorb(_ response: DHTResponse, from peer: PeerInfo, into query: inout QueryState,
                         now: Instant) -> QueryOutcome? {
        let closer: [PeerInfo]
        switch (query.lookupRequest, response) {
        case (.findNode, .nodes(let peers)):
            closer = peers
        case (.getPeerRecord(let target), .peerRecord(let record, let peers)):
            let depth = query.lookup.candidates.first { $0.peer.id == peer.id }?.depth ?? 1
            if let record, record.peerID == target, record.isValid(now: now) {
                query.hops = depth
                return .peerFound(target, record.addresses)
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
        case (.getProviders(let key), .providers(let found, let peers)):
            for record in found.prefix(DHTRequest.maxRecordsPerResponse) where record.key == key {
                if let held = query.providers[record.provider], held.expires >= record.expires { continue }
                if record.isValid(now: now) { query.providers[record.provider] = record }
            }
            closer = peers
        default:
            // A response of the wrong kind is useless to the lookup, though it shows the peer is alive.
            query.lookup.onFailure(peer.id)
            return nil
        }
        query.lookup.onSuccess(peer.id, closer: Array(closer.prefix(DHTRequest.maxPeersPerResponse)))
        return nil
    }

    /// The k closest peers found, the local one included when it is among them.
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

    mutating func lookupFinished(_ query: QueryState, now: Instant) {
        var query = query
        if query.hops == nil, case .lookup = query.phase { query.hops = query.lookup.hops }
        switch query.goal {
        case .closestPeers(let key):
            finish(query, .closestPeers(key, closestIncludingLocal(query.lookup)), now: now)
        case .findPeer(let peer):
            finish(query, .peerFound(peer, nil), now: now)
        case .getProviders(let key):
            let found = query.providers.values.sorted { $0.provider < $1.provider }
            finish(query, .providers(key, found), now: now)
        case .provide(let record):
            storeAtClosest(query, .addProvider(record), now: now) { node in
                (try? node.records.addProvider(record, now: now)) != nil
            }
        case .publishPeerRecord(let record):
            storeAtClosest(query, .putPeerRecord(record), now: now) { node in
                (try? node.records.putPeerRecord(record, now: now)) != nil
            }
        case .refresh(let join):
            continueRefresh(query, join: join, now: now)
        }
    }

    /// Sends the STORE to each of the k closest peers the lookup found; stores locally when this node is
    /// among them.
    mutating func storeAtClosest(_ query: QueryState, _ request: DHTRequest, now: Instant,
                                 storeLocally: (inout DHTNode) -> Bool) {
        var query = query
        let targets = closestIncludingLocal(query.lookup)
        query.earlierMessages += query.lookup.messagesSent
        query.earlierFailures += query.lookup.failures
        query.lookup = ClosestPeersLookup(target: query.lookup.target, seeds: [], k: config.k, alpha: config.alpha)
        var pending = 0
        for peer in targets {
            if peer.id == localPeer.id {
                if storeLocally(&self) { query.stored += 1 }
            } else {
                send(request, to: peer, purpose: .store(query.id))
                query.storeMessages += 1
                pending += 1
            }
        }
        query.phase = .storing(pending: pending)
        storeSettled(query, now: now, settled: 0)
    }

    /// One STORE answered or failed (`settled` of them); finishes the query when none is left.
    mutating func storeSettled(_ query: QueryState, now: Instant, settled: Int = 1) {
        var query = query
        guard case .storing(let pending) = query.phase else { return }
        let left = pending - settled
        query.phase = .storing(pending: left)
        guard left <= 0 else {
            queries[query.id] = query
            return
        }
        switch query.goal {
        case .provide(let record):
            finish(query, .provided(record.key, storedAt: query.stored), now: now)
        default:
            finish(query, .peerRecordPublished(storedAt: query.stored), now: now)
        }
    }

    mutating func finish(_ query: QueryState, _ outcome: QueryOutcome, now: Instant) {
        queries[query.id] = nil
        if maintenanceRefresh == query.id { maintenanceRefresh = nil }
        guard query.external else { return }
        actions.append(.finished(query.id, outcome, query.stats(finished: now)))
    }
}
