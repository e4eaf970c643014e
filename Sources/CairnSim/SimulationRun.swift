import CairnDHT
import CairnWire

/// The state of one simulation run: the peers, the clock, the queues and the measurements.
struct SimulationRun {
    let config: DHTSimulationConfig
    let joinSpacing: Int64
    let lookupSpacing: Int64
    let settleTime: Int64
    let tickInterval: Int64
    /// No tick is scheduled after this instant, so that the run ends once the last lookup has.
    var lastTick: Int64 = 0
    let requestTimeout: Int64
    var random: SimRandom
    var network: SimNetwork
    var nodes: [DHTNode] = []
    var peers: [PeerInfo] = []
    var events = EventQueue<SimEvent>()
    var timeouts = TimeoutQueue()
    var now: Int64 = 0
    var plans: [LookupPlan] = []
    /// Which plan a running closest-peers query belongs to, by asker and query.
    var running: [LookupKey: Int] = [:]

    struct LookupKey: Hashable {
        var node: Int32
        var query: QueryID
    }

    init(config: DHTSimulationConfig, joinSpacing: Duration, lookupSpacing: Duration, tickInterval: Duration) {
        self.config = config
        self.joinSpacing = joinSpacing.nanosecondsClamped
        self.lookupSpacing = lookupSpacing.nanosecondsClamped
        self.settleTime = Int64((config.settleSeconds * 1e9).rounded())
        self.tickInterval = Swift.max(1, tickInterval.nanosecondsClamped)
        var dht = DHTConfig()
        dht.k = config.k
        dht.alpha = config.alpha
        self.requestTimeout = dht.requestTimeout.nanosecondsClamped
        var random = SimRandom(seed: config.seed)
        self.network = SimNetwork(peers: config.peers, latencyMs: config.latencyMs, lossRate: config.lossRate,
                                  linkSalt: random.next())
        nodes.reserveCapacity(config.peers)
        peers.reserveCapacity(config.peers)
        for index in 0..<config.peers {
            guard let identity = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            let node = DHTNode(identity: identity, address: SimNetwork.address(of: index), config: dht, now: .zero)
            nodes.append(node)
            peers.append(node.localPeer)
        }
        self.random = random
    }

    mutating func execute() -> DHTSimulationReport {
        for index in 1..<nodes.count {
            events.push(.join(Int32(index)), at: Int64(index - 1) * joinSpacing)
        }
        runUntilIdle()

        let candidates = Array(1..<nodes.count)
        var order = candidates
        let crashes = Int((config.churn * Double(candidates.count)).rounded(.down))
        for i in 0..<crashes {
            order.swapAt(i, i + random.nextInt(below: order.count - i))
            network.crash(order[i])
        }
        let live = (0..<nodes.count).filter { !network.crashed[$0] }

        // Upkeep: every live peer ticks, at its own phase, until the last lookup has started.
        let firstLookup = now + settleTime
        lastTick = firstLookup + Int64(config.lookups - 1) * lookupSpacing
        for (position, index) in live.enumerated() {
            let phase = tickInterval * Int64(position) / Int64(live.count)
            events.push(.tick(Int32(index)), at: now + phase)
        }
        for j in 0..<config.lookups {
            let asker = live[random.nextInt(below: live.count)]
            var plan = LookupPlan(asker: asker, key: random.nextKey())
            plan.truth = truth(for: plan.key, among: live)
            plans.append(plan)
            events.push(.lookup(Int32(j)), at: firstLookup + Int64(j) * lookupSpacing)
        }
        runUntilIdle()
        return report()
    }

    /// The k live peers XOR-closest to `key`, by brute force.
    func truth(for key: Key256, among live: [Int]) -> Set<PeerID> {
        var best: [Key256] = []
        best.reserveCapacity(config.k + 1)
        for index in live {
            let d = peers[index].id.distance(to: key)
            if best.count == config.k, !(d < best[best.count - 1]) { continue }
            var lo = 0
            var hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if best[mid] < d { lo = mid + 1 } else { hi = mid }
            }
            best.insert(d, at: lo)
            if best.count > config.k { best.removeLast() }
        }
        return Set(best.map { $0.distance(to: key) })
    }

    // MARK: - The event loop

    mutating func runUntilIdle() {
        while true {
            let takeTimeout: Bool
            switch (events.nextKey, timeouts.first) {
            case (nil, nil):
                return
            case (.some, nil):
                takeTimeout = false
            case (nil, .some):
                takeTimeout = true
            case (.some(let event), .some(let timeout)):
                takeTimeout = (timeout.deadline, timeout.sequence) < (event.time, event.sequence)
            }
            if takeTimeout {
                let timeout = timeouts.removeFirst()
                now = timeout.deadline
                let node = Int(timeout.node)
                guard !timeout.cancelled, !network.crashed[node] else { continue }
                nodes[node].handleFailure(of: RequestID(rawValue: timeout.request), now: instant)
                drain(node)
            } else if let (time, event) = events.pop() {
                now = time
                handle(event)
            }
        }
    }

    var instant: Instant { Instant(nanoseconds: now) }

    mutating func handle(_ event: SimEvent) {
        switch event {
        case .request(let from, let to, let id, let request, let ticket):
            let responder = Int(to)
            guard !network.crashed[responder] else { return }
            let response = nodes[responder].handleRequest(request, from: peers[Int(from)], now: instant)
            drain(responder)
            guard network.delivers(using: &random) else { return }
            events.push(.response(to: from, id, response, ticket: ticket),
                        at: now + network.latency(responder, Int(from)))
        case .response(let to, let id, let response, let ticket):
            let node = Int(to)
            guard !network.crashed[node] else { return }
            // The response beat the timeout (the queue is ordered): the timeout need not wake the node.
            timeouts.cancel(ticket: ticket)
            nodes[node].handleResponse(response, to: id, now: instant)
            drain(node)
        case .join(let index):
            let node = Int(index)
            nodes[node].addKnownPeer(peers[0], now: instant)
            nodes[node].startQuery(.bootstrap, now: instant)
            drain(node)
        case .tick(let index):
            let node = Int(index)
            guard !network.crashed[node] else { return }
            nodes[node].tick(now: instant)
            drain(node)
            if now + tickInterval <= lastTick { events.push(.tick(index), at: now + tickInterval) }
        case .lookup(let index):
            let plan = Int(index)
            let node = plans[plan].asker
            let query = nodes[node].startQuery(.closestPeers(plans[plan].key), now: instant)
            running[LookupKey(node: Int32(node), query: query)] = plan
            drain(node)
        }
    }

    /// Carries out what a node asked for: every send gets its timeout, and reaches its peer unless the
    /// peer has crashed or the network loses it.
    mutating func drain(_ node: Int) {
        for action in nodes[node].takeActions() {
            switch action {
            case .send(let id, let peer, let request):
                let ticket = timeouts.append(TimeoutQueue.Timeout(
                    deadline: now + requestTimeout, sequence: events.takeSequence(), node: Int32(node),
                    request: id.rawValue))
                guard let destination = SimNetwork.index(of: peer.address), destination < nodes.count,
                    !network.crashed[destination], network.delivers(using: &random)
                else { continue }
                events.push(.request(from: Int32(node), to: Int32(destination), id, request, ticket: ticket),
                            at: now + network.latency(node, destination))
            case .finished(let query, let outcome, let stats):
                guard let plan = running.removeValue(forKey: LookupKey(node: Int32(node), query: query)),
                    case .closestPeers(_, let result) = outcome
                else { continue }
                plans[plan].result = result
                plans[plan].stats = stats
            }
        }
    }

    // MARK: - Measurements

    func report() -> DHTSimulationReport {
        let finished = plans.compactMap(\.stats)
        let hops = finished.map(\.hops).sorted()
        let latencies = finished.map { $0.duration.millisecondsDouble }.sorted()
        let messages = finished.reduce(0) { $0 + $1.messagesSent }
        let successes = plans.filter(\.succeeded).count
        return DHTSimulationReport(
            peers: config.peers,
            lookups: config.lookups,
            seed: config.seed,
            churn: config.churn,
            successRate: Double(successes) / Double(Swift.max(1, plans.count)),
            hopsMedian: Percentile.nearestRank(0.5, of: hops),
            hopsP95: Percentile.nearestRank(0.95, of: hops),
            hopsMax: hops.last ?? 0,
            messagesPerLookup: finished.isEmpty ? 0 : Double(messages) / Double(finished.count),
            latencyMsMedian: Percentile.nearestRank(0.5, of: latencies),
            latencyMsP95: Percentile.nearestRank(0.95, of: latencies),
            wallSeconds: 0
        )
    }
}
