import CairnCrypto
import CairnWire
import NIOCore

@testable import CairnChain

/// A deterministic in-memory network of `ChainMachine`s for tests: every action is carried out as a driver
/// would (messages delivered after `latency`, writes durable at once, timers fired at their instant), in a
/// fixed order. Peers in `down` neither send nor receive.
struct ChainNetwork {
    struct Pending {
        var at: Instant
        var sequence: Int
        var work: Work
    }

    enum Work {
        case announce(ChainAnnouncement, from: PeerID, to: PeerID)
        case request(ChainRequestID, ChainRequest, from: PeerID, to: PeerID)
        case answer(ChainRequestID, ChainResponse?, to: PeerID)
        case timer(ChainTimer, PeerID)
        case persisted(ChainWriteTicket, PeerID)
    }

    var machines: [PeerID: ChainMachine] = [:]
    var order: [PeerID] = []
    var queue: [Pending] = []
    var sequence = 0
    var now = Instant.seconds(1_000)
    var latency: Duration = .milliseconds(5)
    var down: Set<PeerID> = []
    /// Every block each peer committed, by height.
    var committed: [PeerID: [Height: Key256]] = [:]
    var stored: [PeerID: [StoredBlock]] = [:]
    var signed: [PeerID: [UInt8]] = [:]
    /// The own transactions each peer reported dropped, in report order.
    var dropped: [PeerID: [SignedTransaction]] = [:]
    var identities: [PeerID: Identity] = [:]
    let rules: LedgerRules

    /// `validators` well-known local-testnet validators plus `followers` peers that only follow.
    /// Shared by every machine the network adds, when set (`AppliedBlockMemo`).
    var appliedBlocks: AppliedBlockMemo?

    init(
        validators: Int = 4, followers: Int = 2, params: ChainParameters = .localTestnet,
        appliedBlocks: AppliedBlockMemo? = nil
    ) throws {
        rules = LedgerRules(params: params, chainID: ChainID(SHA256.hash(Array("test chain".utf8))))
        self.appliedBlocks = appliedBlocks
        let ids = (0..<validators).map { ChainParameters.localTestnetIdentity($0) }
            + (0..<followers).map { _ in Identity.generate() }
        for identity in ids { identities[identity.peerID] = identity }
        for identity in ids { try add(identity) }
        for peer in order { start(peer) }
    }

    mutating func add(_ identity: Identity, restoring: Bool = false) throws {
        let peer = identity.peerID
        var config = ChainMachineConfig()
        config.appliedBlocks = appliedBlocks
        var machine = try ChainMachine(
            rules: rules, identity: identity, localPeer: peer, config: config,
            committed: restoring ? stored[peer] ?? [] : [], lastSigned: restoring ? signed[peer] : nil)
        machine.setNeighbours(Array(identities.keys))
        machines[peer] = machine
        if !order.contains(peer) { order.append(peer) }
    }

    mutating func start(_ peer: PeerID) {
        machines[peer]!.start(now: now)
        collect(peer)
    }

    mutating func schedule(_ work: Work, at: Instant) {
        sequence += 1
        queue.append(Pending(at: at, sequence: sequence, work: work))
    }

    mutating func collect(_ peer: PeerID) {
        for action in machines[peer]!.takeActions() {
            switch action {
            case .announce(let message, let to): schedule(.announce(message, from: peer, to: to), at: now + latency)
            case .request(let id, let request, let to):
                schedule(.request(id, request, from: peer, to: to), at: now + latency)
            case .armTimer(let timer, let instant): schedule(.timer(timer, peer), at: instant)
            case .write(let ticket, let write):
                switch write {
                case .blocks(let blocks): stored[peer, default: []] += blocks
                case .signed(let bytes): signed[peer] = bytes
                }
                schedule(.persisted(ticket, peer), at: now)
            case .committed(let height, let hash, _):
                precondition(committed[peer]?[height] == nil, "a peer committed height \(height) twice")
                committed[peer, default: [:]][height] = hash
            case .dropped(let transactions): dropped[peer, default: []] += transactions
            case .evidence, .log: break
            }
        }
    }

    /// Runs until `until` (simulated), checking safety after every event.
    mutating func run(until: Instant) {
        while let index = queue.indices.min(by: { (queue[$0].at, queue[$0].sequence) < (queue[$1].at, queue[$1].sequence) }),
              queue[index].at <= until
        {
            let item = queue.remove(at: index)
            now = max(now, item.at)
            switch item.work {
            case .announce(let message, let from, let to):
                guard !down.contains(from), !down.contains(to), machines[to] != nil else { continue }
                machines[to]!.announced(message, from: from, now: now)
                collect(to)
            case .request(let id, let request, let from, let to):
                guard !down.contains(from), !down.contains(to), let server = machines[to] else {
                    schedule(.answer(id, nil, to: from), at: now + latency)
                    continue
                }
                let response: ChainResponse
                switch server.serve(request) {
                case .answer(let answer): response = answer
                case .readBlocks(let from, let count, _):
                    let blocks = (stored[to] ?? []).filter { $0.height >= from }.prefix(count)
                    response = .blocks(blocks.map {
                        CommittedBlockBytes(block: ByteBuffer(bytes: $0.body), commit: ByteBuffer(bytes: $0.commit))
                    })
                }
                schedule(.answer(id, response, to: from), at: now + latency)
            case .answer(let id, let response, let to):
                guard !down.contains(to) else { continue }
                machines[to]?.answered(id, response, now: now)
                collect(to)
            case .timer(let timer, let peer):
                guard !down.contains(peer) else { continue }
                machines[peer]?.timerFired(timer, now: now)
                collect(peer)
            case .persisted(let ticket, let peer):
                guard !down.contains(peer) else { continue }
                machines[peer]?.persisted(ticket, now: now)
                collect(peer)
            }
            precondition(safetyViolations == 0, "two peers committed different blocks at one height")
        }
        now = until
    }

    /// Heights at which two peers committed different blocks.
    var safetyViolations: Int {
        var seen: [Height: Key256] = [:]
        var violations = 0
        for blocks in committed.values {
            for (height, hash) in blocks {
                if let other = seen[height], other != hash { violations += 1 }
                seen[height] = hash
            }
        }
        return violations
    }

    func height(of peer: PeerID) -> Height { machines[peer]!.height }
}
