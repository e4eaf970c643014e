import CairnDHT
import CairnPeer
import CairnWire

/// One run of the DHT scenario (`DHTSimulation`) on whole simulated peers.
struct SimulationRun {
    let config: DHTSimulationConfig
    let joinSpacing: Int64
    let lookupSpacing: Int64
    let settleTime: Int64
    var simulator: PeerSimulator
    var plans: [LookupPlan] = []
    /// Which plan each lookup command belongs to.
    var planOfCommand: [CommandID: Int] = [:]

    /// Virtual time given to the last joins to finish before the crashes.
    static let joinSettle: Int64 = 30_000_000_000
    /// Virtual time after the last lookup starts by which every lookup has finished (the longest waits on a
    /// few request timeouts in a row).
    static let lookupDeadline: Int64 = 300_000_000_000

    init(config: DHTSimulationConfig, joinSpacing: Duration, lookupSpacing: Duration, tickInterval: Duration) {
        self.config = config
        self.joinSpacing = joinSpacing.nanosecondsClamped
        self.lookupSpacing = lookupSpacing.nanosecondsClamped
        self.settleTime = Int64((config.settleSeconds * 1e9).rounded())
        var dht = DHTConfig()
        dht.k = config.k
        dht.alpha = config.alpha
        var random = SimRandom(seed: config.seed)
        let network = SimNetwork(peers: config.peers, latencyMs: config.latencyMs, lossRate: config.lossRate,
                                 linkSalt: random.next())
        var machines: [PeerMachine] = []
        machines.reserveCapacity(config.peers)
        for index in 0..<config.peers {
            guard let identity = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            // Peer 0 is the bootstrap peer; everyone else joins through its address, as `cairn run` does.
            var machineConfig = PeerMachineConfig(
                dht: dht, bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)])
            // The upkeep period is the scenario's: ticking every second instead changes no rule, only the cost.
            machineConfig.maintenanceInterval = tickInterval
            machines.append(PeerMachine(identity: identity, config: machineConfig))
        }
        simulator = PeerSimulator(machines: machines, network: network, random: random)
    }

    mutating func execute() -> DHTSimulationReport {
        for index in 0..<config.peers {
            simulator.start(index, at: Int64(Swift.max(0, index - 1)) * joinSpacing)
        }
        let joined = Int64(config.peers - 1) * joinSpacing + Self.joinSettle
        simulator.run(until: joined)

        // A share of the peers (never the bootstrap peer) crashes silently.
        let candidates = Array(1..<config.peers)
        var order = candidates
        let crashes = Int((config.churn * Double(candidates.count)).rounded(.down))
        for i in 0..<crashes {
            order.swapAt(i, i + simulator.random.nextInt(below: order.count - i))
            simulator.network.crash(order[i])
        }
        let live = (0..<config.peers).filter { !simulator.network.crashed[$0] }

        let firstLookup = joined + settleTime
        for j in 0..<config.lookups {
            let asker = live[simulator.random.nextInt(below: live.count)]
            var plan = LookupPlan(asker: asker, key: simulator.random.nextKey())
            plan.truth = truth(for: plan.key, among: live)
            plans.append(plan)
            let command = simulator.command(.query(.closestPeers(plan.key)), to: asker,
                                            at: firstLookup + Int64(j) * lookupSpacing)
            planOfCommand[command] = j
        }
        let deadline = firstLookup + Int64(config.lookups) * lookupSpacing + Self.lookupDeadline
        let total = config.lookups
        simulator.run(until: deadline) { $0.delivered.count >= total }
        for (_, command, result) in simulator.delivered {
            guard let plan = planOfCommand[command], case .queryFinished(let outcome, let stats) = result,
                  case .closestPeers(_, let found) = outcome
            else { continue }
            plans[plan].result = found
            plans[plan].stats = stats
        }
        return report()
    }

    /// The k live peers XOR-closest to `key`, by brute force.
    func truth(for key: Key256, among live: [Int]) -> Set<PeerID> {
        var best: [Key256] = []
        best.reserveCapacity(config.k + 1)
        for index in live {
            let d = simulator.peers[index].id.distance(to: key)
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
            messages: simulator.messages,
            latencyMsMedian: Percentile.nearestRank(0.5, of: latencies),
            latencyMsP95: Percentile.nearestRank(0.95, of: latencies),
            wallSeconds: 0
        )
    }
}
