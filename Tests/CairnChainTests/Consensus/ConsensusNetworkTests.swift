import CairnCrypto
import CairnWire
import Testing

@testable import CairnChain

/// A tiny deterministic network of machines: every broadcast reaches every other machine in FIFO order, block
/// building answers at once, timers fire in (instant, machine) order when nothing else is left to deliver.
/// A committed machine moves to the next height with the set advanced by one.
struct ConsensusNetwork {
    struct Timer {
        let node: Int
        let timeout: ConsensusTimeout
        let at: Instant
    }

    var machines: [TendermintMachine]
    var queue: [(node: Int, event: Event)] = []
    var timers: [Timer] = []
    var now = Instant.zero
    /// The hash each machine committed at each height.
    var committed: [[Height: Key256]]
    var commits: [Height: Commit] = [:]
    /// Nodes whose outgoing messages are lost (crashed or cut off).
    var silenced: Set<Int> = []
    var evidence: [Equivocation] = []
    /// When set, each step delivers a queued event chosen by this generator instead of the oldest.
    var shuffle: SplitMix64?
    /// Heights at which two machines committed different blocks, checked after every event.
    var safetyViolations: [Height] = []
    var steps = 0

    enum Event {
        case message(ConsensusMessage)
        case built(Height, Round)
    }

    init(machines: [TendermintMachine]) {
        self.machines = machines
        self.committed = Array(repeating: [:], count: machines.count)
    }

    mutating func start() {
        for node in machines.indices { handle(node, machines[node].start(now: now)) }
    }

    /// Runs until every machine of `watching` (nil: all) committed `heights` heights or `maxSteps` events were
    /// processed.
    mutating func run(heights: Height, maxSteps: Int = 20_000, watching: Set<Int>? = nil) {
        let limit = steps + maxSteps
        while steps < limit,
            committed.indices.contains(where: { (watching?.contains($0) ?? true) && committed[$0].count < Int(heights) }
            )
        {
            steps += 1
            defer { checkSafety() }
            if !queue.isEmpty {
                let pick =
                    shuffle.map { generator -> Int in
                        var generator = generator
                        defer { shuffle = generator }
                        return Int(generator.next() % UInt64(queue.count))
                    } ?? 0
                let (node, event) = queue.remove(at: pick)
                switch event {
                case .message(let message):
                    handle(node, machines[node].messageReceived(message, blockValid: true, now: now))
                case .built(let height, let round):
                    let hash = SHA256.hash(Array("block h\(height) r\(round) by \(node)".utf8))
                    handle(node, machines[node].blockBuilt(hash: hash, height: height, round: round, now: now))
                }
            } else if let next = timers.indices.min(by: {
                (timers[$0].at, timers[$0].node) < (timers[$1].at, timers[$1].node)
            }) {
                let timer = timers.remove(at: next)
                now = max(now, timer.at)
                handle(timer.node, machines[timer.node].timeoutFired(timer.timeout, now: now))
            } else {
                return
            }
        }
    }

    /// Replaces machine `node` by a new one built from its last signing record, as after a crash: its
    /// pending events and timers are lost.
    mutating func crashAndRestart(_ node: Int, identity: Identity) {
        let old = machines[node]
        queue.removeAll { $0.node == node }
        timers.removeAll { $0.node == node }
        machines[node] = TendermintMachine(
            chainID: old.chainID, height: old.decision == nil ? old.height : old.height + 1,
            validators: old.decision == nil ? old.validators : old.validators.advanced(byHeights: 1),
            identity: identity, lastSigned: old.lastSigned, config: old.config)
        handle(node, machines[node].start(now: now))
    }

    private mutating func checkSafety() {
        var seen: [Height: Key256] = [:]
        for byHeight in committed {
            for (height, hash) in byHeight {
                if let other = seen.updateValue(hash, forKey: height), other != hash { safetyViolations.append(height) }
            }
        }
    }

    private mutating func handle(_ node: Int, _ actions: [ConsensusAction]) {
        for action in actions {
            switch action {
            case .buildBlock(let height, let round):
                queue.append((node, .built(height, round)))
            case .persistAndBroadcast(let record):
                guard !silenced.contains(node) else { continue }
                for other in machines.indices where other != node {
                    queue.append((other, .message(record.message)))
                }
            case .armTimeout(let timeout, let at):
                timers.append(Timer(node: node, timeout: timeout, at: at))
            case .commit(let commit):
                committed[node][commit.height] = commit.blockHash
                commits[commit.height] = commits[commit.height] ?? commit
                let next = machines[node].validators.advanced(byHeights: 1)
                handle(node, machines[node].startNextHeight(validators: next, now: now))
            case .evidence(let found):
                evidence.append(found)
            case .validateProposal(let proposal):
                queue.append((node, .message(.proposal(proposal))))
            }
        }
    }
}

@Suite struct ConsensusNetworkTests {
    static let ids = Fixture.identities(4)
    static let set = Fixture.set(ids, powers: [1, 2, 3, 4])

    func machines(followers: Int = 0) -> [TendermintMachine] {
        let validators = Self.ids.map {
            TendermintMachine(chainID: Fixture.chain, height: 1, validators: Self.set, identity: $0)
        }
        let watchers = (0..<followers).map { _ in
            TendermintMachine(chainID: Fixture.chain, height: 1, validators: Self.set, identity: nil)
        }
        return validators + watchers
    }

    func expectAgreement(_ network: ConsensusNetwork, heights: Height) throws {
        for height in 1...heights {
            let hashes = Set(network.committed.compactMap { $0[height] })
            #expect(hashes.count == 1, "height \(height): \(hashes)")
            let commit = try #require(network.commits[height])
            let validators = Self.set.advanced(byHeights: height - 1)
            try commit.verify(chainID: Fixture.chain, validators: validators)
        }
        #expect(network.evidence.isEmpty)
    }

    @Test func allMachinesCommitTheSameBlocks() throws {
        var network = ConsensusNetwork(machines: machines(followers: 1))
        network.start()
        network.run(heights: 6)
        #expect(network.committed.allSatisfy { $0.count >= 6 })
        try expectAgreement(network, heights: 6)
        // Nothing went wrong, so every height was decided in round 0 before any timeout.
        #expect(network.commits.values.allSatisfy { $0.round == 0 })
        #expect(network.now == .zero)
    }

    /// One validator of power 1 silenced: the rest (9 of 10) still decide, through timeouts when it proposes.
    @Test func progressWithASilentValidator() throws {
        var network = ConsensusNetwork(machines: machines())
        let silent = Self.set.index(of: Self.ids[0].publicKey)!
        #expect(Self.set[silent].power == 1)
        network.silenced = [0]
        network.start()
        network.run(heights: 12)
        #expect(network.committed.allSatisfy { $0.count >= 12 })
        try expectAgreement(network, heights: 12)
    }

    /// Deliveries in a seeded random order: still one block per height, everywhere.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func agreementUnderReordering(seed: UInt64) throws {
        var network = ConsensusNetwork(machines: machines(followers: 1))
        network.shuffle = SplitMix64(seed: seed)
        network.start()
        network.run(heights: 5, maxSteps: 200_000)
        #expect(network.safetyViolations.isEmpty)
        #expect(network.committed.allSatisfy { $0.count >= 5 })
        try expectAgreement(network, heights: 5)
    }

    /// A validator crashes in the middle of a height and restarts from its last signing record: it signs nothing
    /// conflicting (no evidence appears) and the chain goes on.
    @Test(arguments: [UInt64(40), 75, 130])
    func crashAndRestartSignsNothingConflicting(crashAfter: UInt64) throws {
        var network = ConsensusNetwork(machines: machines())
        network.shuffle = SplitMix64(seed: crashAfter)
        network.start()
        network.run(heights: 100, maxSteps: Int(crashAfter))
        let victim = 0  // power 1: the other 9 of 10 go on even if it lags after losing its inbox
        network.crashAndRestart(victim, identity: Self.ids[victim])
        network.run(heights: 4, maxSteps: 50_000, watching: [1, 2, 3])
        #expect(network.safetyViolations.isEmpty)
        #expect(network.evidence.isEmpty)
        let survivors = network.committed.enumerated().filter { $0.offset != victim }
        #expect(survivors.allSatisfy { $0.element.count >= 4 })
    }

    /// Power 4 of 10 silenced: no quorum, so nobody commits (a partition halts the chain, it does not fork).
    @Test func noProgressWithoutAQuorum() {
        var network = ConsensusNetwork(machines: machines())
        network.silenced = [3]
        network.start()
        network.run(heights: 1, maxSteps: 3_000)
        #expect(network.committed.allSatisfy { $0.isEmpty })
        #expect(network.now > .zero)
    }
}
