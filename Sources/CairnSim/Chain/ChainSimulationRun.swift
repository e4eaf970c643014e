import CairnChain
import CairnCrypto
import CairnDHT
import CairnPeer
import CairnWire

/// One run of the chain scenario (`ChainSimulation`) on whole simulated peers, each with a `ChainMachine`.
struct ChainSimulationRun {
    let config: ChainSimulationConfig
    var simulator: PeerSimulator
    /// Peer indices of the byzantine validators.
    let byzantine: [Int]
    /// Which side of the partition each peer is on (true: cut off), when there is one.
    let cutOff: [Bool]?
    /// Switches the byzantine validators' silence.
    var silenceRandom: SimRandom
    var partitionStarted: Int64?
    var partitionHealed: Int64?

    /// Gaps between new heights longer than this count as the chain halted: several rounds' timeouts.
    static let haltThreshold: Int64 = 5_000_000_000
    /// How often a byzantine validator may fall silent or speak again.
    static let silenceStep: Int64 = 1_000_000_000
    /// Chance that a speaking byzantine validator falls silent at a step, and that a silent one speaks again.
    static let silenceOdds = (fall: 0.1, wake: 0.3)

    init(config: ChainSimulationConfig) {
        self.config = config
        var random = SimRandom(seed: config.seed)
        var network = SimNetwork(peers: config.peers, latencyMs: config.latencyMs, lossRate: config.lossRate,
                                 linkSalt: random.next())
        var identities: [Identity] = []
        identities.reserveCapacity(config.peers)
        for _ in 0..<config.peers {
            guard let identity = Identity(seed: random.nextBytes(Identity.seedByteCount)) else {
                preconditionFailure("a 32-byte seed always makes an identity")
            }
            identities.append(identity)
        }
        let rules = Self.rules(validators: identities.prefix(config.validators).map(\.publicKey), seed: config.seed)

        // Byzantine validators, never the bootstrap peer (which everyone joins through).
        var candidates = Array(1..<config.validators)
        let byzantineCount = min(config.byzantineCount, candidates.count)
        for i in 0..<byzantineCount { candidates.swapAt(i, i + random.nextInt(below: candidates.count - i)) }
        byzantine = Array(candidates.prefix(byzantineCount)).sorted()

        // The side cut off: validators and followers each in proportion.
        if config.partition > 0 {
            var side = Array(repeating: false, count: config.peers)
            let cutValidators = Int((config.partition * Double(config.validators)).rounded())
            let cutFollowers = Int((config.partition * Double(config.peers - config.validators)).rounded())
            for (range, count) in [(0..<config.validators, cutValidators),
                                   (config.validators..<config.peers, cutFollowers)] {
                var members = Array(range)
                for i in 0..<min(count, members.count) {
                    members.swapAt(i, i + random.nextInt(below: members.count - i))
                    side[members[i]] = true
                }
            }
            cutOff = side
        } else {
            cutOff = nil
        }
        silenceRandom = SimRandom(seed: random.next())
        network.silent = Array(repeating: false, count: config.peers)

        var machines: [PeerMachine] = []
        // One network, one genesis: its peers share the states their blocks lead to.
        let appliedBlocks = AppliedBlockMemo()
        machines.reserveCapacity(config.peers)
        for (index, identity) in identities.enumerated() {
            var machineConfig = PeerMachineConfig(bootstrap: index == 0 ? [] : [PeerSimulator.address(of: 0)])
            // As `cairn sim dht`: upkeep every 10 s instead of every second changes no rule, only the cost.
            machineConfig.maintenanceInterval = .seconds(10)
            machines.append(PeerSimulator.peer(
                identity: identity, config: machineConfig, rules: rules, appliedBlocks: appliedBlocks))
        }
        simulator = PeerSimulator(machines: machines, network: network, random: random)
        var honest = Array(repeating: true, count: config.peers)
        for node in byzantine { honest[node] = false }
        simulator.chainLog = ChainCommitLog(honest: honest, target: Height(config.heights))
        if !byzantine.isEmpty {
            simulator.adversary = ChainAdversary(
                identities: Dictionary(uniqueKeysWithValues: byzantine.map { ($0, identities[$0]) }),
                validators: Array(0..<config.validators), random: SimRandom(seed: random.next()))
        }
    }

    /// The genesis of the run: `ChainParameters.localTestnet`'s timeouts and limits, `validators` with equal
    /// stake and a balance each, a chain ID from the seed.
    static func rules(validators: [PublicKey], seed: UInt64) -> LedgerRules {
        var params = ChainParameters.localTestnet
        let stake = params.minValidatorStake
        params.initialValidators = Dictionary(uniqueKeysWithValues: validators.map { ($0.address, stake) })
        params.initialAccounts = Dictionary(uniqueKeysWithValues: validators.map { ($0.address, stake) })
        params.maxValidators = UInt32(max(validators.count, Int(params.maxValidators)))
        let chainID = ChainID(SHA256.hash(Array("cairn sim chain \(seed)".utf8)))
        return LedgerRules(params: params, chainID: chainID)
    }

    var log: ChainCommitLog { simulator.chainLog! }

    /// The honest peers alive: the ones BFT's guarantees are about (byzantine validators excluded).
    var live: [Int] { (0..<config.peers).filter { !simulator.network.crashed[$0] && !byzantine.contains($0) } }

    mutating func execute() -> ChainSimulationReport {
        // Every peer joins through peer 0, as in `cairn sim dht`; each runs the chain from its start.
        let spacing = DHTSimulation.joinSpacing(peers: config.peers).nanosecondsClamped
        for index in 0..<config.peers {
            simulator.start(index, at: Int64(max(0, index - 1)) * spacing)
        }
        let started = Int64(max(0, config.peers - 1)) * spacing
        let cap = Int64((config.maxVirtualSeconds * 1e9).rounded())
        _ = advance(until: min(cap, started)) { _ in false }

        // A share of the followers crashes.
        var followers = Array(config.validators..<config.peers)
        let crashes = Int((config.churn * Double(followers.count)).rounded(.down))
        for i in 0..<crashes {
            followers.swapAt(i, i + simulator.random.nextInt(below: followers.count - i))
            simulator.network.crash(followers[i])
        }
        let liveCount = live.count

        if let cutOff {
            // The partition holds from the first commit of a third of the heights for as long as that took.
            let third = Height((config.heights + 2) / 3)
            if advance(until: cap, stop: { $0.chainLog!.highest >= third }) {
                let start = simulator.now
                partitionStarted = start
                simulator.network.partition = cutOff
                _ = advance(until: min(cap, start + start)) { _ in false }
                simulator.network.partition = nil
                partitionHealed = simulator.now
            }
        }
        if advance(until: cap, stop: { $0.chainLog!.reachedTarget >= liveCount }) {
            let settle = Int64((config.settleSeconds * 1e9).rounded())
            _ = advance(until: simulator.now + settle) { _ in false }
        }
        return report()
    }

    /// Runs until `deadline` or until `stop` holds (true then), switching byzantine validators' silence every
    /// `silenceStep`.
    mutating func advance(until deadline: Int64, stop: (PeerSimulator) -> Bool) -> Bool {
        while simulator.now < deadline {
            let step = min(deadline, (simulator.now / Self.silenceStep + 1) * Self.silenceStep)
            var stopped = false
            simulator.run(until: step) { simulator in
                stopped = stop(simulator)
                return stopped
            }
            if stopped { return true }
            switchSilence()
        }
        return stop(simulator)
    }

    mutating func switchSilence() {
        for node in byzantine {
            let silent = simulator.network.silent[node]
            let draw = silenceRandom.nextUnit()
            if silent ? draw < Self.silenceOdds.wake : draw < Self.silenceOdds.fall {
                simulator.network.silent[node] = !silent
            }
        }
    }

    // MARK: - Measurements

    func report() -> ChainSimulationReport {
        let log = log
        let heights = live.map { log.heights[$0] }
        let times = log.firsts.map(\.time)
        var gaps: [Int64] = []
        for i in times.indices.dropFirst() { gaps.append(times[i] - times[i - 1]) }
        let halted = gaps.filter { $0 > Self.haltThreshold }.reduce(0, +)
        let millis = gaps.map { Double($0) / 1e6 }.sorted()
        let minHeight = heights.min() ?? 0
        return ChainSimulationReport(
            peers: config.peers, validators: config.validators, heights: config.heights, seed: config.seed,
            partition: config.partition, byzantine: config.byzantine, byzantineValidators: byzantine.count,
            equivocations: simulator.adversary?.equivocations ?? 0, livePeers: heights.count,
            committedHeightMin: Int(minHeight), committedHeightMax: Int(heights.max() ?? 0),
            safetyViolations: log.violations,
            commitMsP50: Percentile.nearestRank(0.5, of: millis), commitMsP99: Percentile.nearestRank(0.99, of: millis),
            haltedSeconds: Double(halted) / 1e9,
            recovered: minHeight >= Height(config.heights),
            messages: simulator.messages, virtualSeconds: Double(simulator.now) / 1e9, wallSeconds: 0)
    }
}
