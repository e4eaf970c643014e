import CairnChain
import CairnCrypto
import CairnDHT
import NIOCore
import CairnPeer
import CairnWire

/// The simulation driver (DESIGN.md §1): many `PeerMachine`s — the very machine `cairn run` drives — on a
/// virtual clock, a seeded random source and a simulated network (`SimNetwork`). It carries the machines'
/// actions out and decides nothing: joins, timeouts and retries are the machines' own.
///
/// Peers are addressed by index (up to `maxPeers`): peer i listens at host `sim<i / 65535>`, port
/// `i % 65535 + 1`. A crashed peer drops everything silently; its callers learn of it through their own
/// request timers.
///
/// A peer with stores (`stores[i]`, in memory: `MemoryShardStore`, `SyntheticShardStore`, `MemoryBlobStore`)
/// serves storage requests: its machine's store operations are carried out against them at once, and their
/// outcomes come back `storeLatency` later, as a disk's would.
public struct PeerSimulator {
    public static let maxPeers = 1 << 20

    var machines: [PeerMachine]
    /// Each peer as others reach it.
    let peers: [PeerInfo]
    /// What each peer stores for others, by index; a peer past the end stores nothing (its machine has no
    /// provider config either, and refuses storage requests).
    let stores: [ProviderStores?]
    /// Virtual time a store operation takes, in nanoseconds.
    var storeLatency: Int64 = 100_000
    /// Answers to requests the simulation itself sent (`send(_:from:to:at:)`), as a client beside the peers.
    var answers: [(to: Int, id: OutboundID, response: Response)] = []
    /// IDs of the simulation's own requests carry this bit, which no machine reaches (see `inboundID`).
    static let clientBit: UInt64 = 1 << 43
    private var nextClientRequest: UInt64 = 1
    var network: SimNetwork
    var random: SimRandom
    var events = EventQueue<SimEvent>()
    var timers = TimerQueue()
    private(set) var now: Int64 = 0
    private var nextCommand: UInt64 = 1
    /// The list every event's actions are collected in, kept so that its storage is reused.
    private var actionBuffer: [PeerAction] = []
    /// Results of local commands, in the order they came.
    var delivered: [(node: Int, command: CommandID, result: PeerCommandResult)] = []
    /// Requests and responses put on the wire.
    internal(set) var messages = 0
    /// Events and timers handed to the machines (a measure of the work, for events per second).
    internal(set) var handledEvents = 0
    /// Shard bytes the machines wrote to their stores, and bytes of the surviving shards fed to their rebuilds:
    /// in a run whose files were placed before it started, the bytes its repairs moved.
    internal(set) var shardBytesWritten = 0
    internal(set) var rebuildSourceBytes = 0
    /// Each peer's chain store: its committed blocks and its last signed consensus message.
    var chainBlocks: [Int: [StoredBlock]] = [:]
    var chainSigned: [Int: [UInt8]] = [:]
    /// Block bodies and commits as the peers store them, one copy each: a thousand peers storing the same
    /// block (and, after sync, the same commit) share its bytes, as they would not on separate disks. Commits
    /// are kept by block hash, the few distinct ones of a block side by side, and compared with `memcmp`: a
    /// `Set<[UInt8]>` fed the hasher their 6 KB one byte at a time, for every peer storing every block.
    var internedBodies: [Key256: [UInt8]] = [:]
    var internedCommits: [Key256: [[UInt8]]] = [:]
    /// Every commit the peers observed, checked for safety as it happens (the chain simulation sets it).
    var chainLog: ChainCommitLog?
    /// The byzantine validators' extra messages (the chain simulation sets it).
    var adversary: ChainAdversary?
    /// Receives the log lines of the peers it wants (`PeerLog`), with the virtual time; nil drops every line.
    var log: PeerLog?

    init(machines: [PeerMachine], stores: [ProviderStores?] = [], network: SimNetwork, random: SimRandom) {
        self.machines = machines
        self.stores = stores
        self.peers = machines.indices.map { PeerInfo(id: machines[$0].peerID, address: Self.address(of: $0)) }
        self.network = network
        self.random = random
    }

    static func address(of index: Int) -> PeerAddress {
        PeerAddress(host: "sim\(index / 65_535)", port: UInt16(index % 65_535 + 1))
    }

    /// The peer listening at `address`, from the address alone (the inverse of `address(of:)`); nil for any
    /// other address. Reads the host's bytes directly: every message is routed through here.
    static func index(of address: PeerAddress) -> Int? {
        guard address.port > 0 else { return nil }
        var high = 0
        var position = 0
        for byte in address.host.utf8 {
            switch position {
            case 0: guard byte == UInt8(ascii: "s") else { return nil }
            case 1: guard byte == UInt8(ascii: "i") else { return nil }
            case 2: guard byte == UInt8(ascii: "m") else { return nil }
            default:
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), position < 10 else { return nil }
                high = high * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += 1
        }
        guard position > 3 else { return nil }
        return high * 65_535 + Int(address.port) - 1
    }

    var instant: Instant { Instant(nanoseconds: now) }

    /// Peer `index` starts at `time`.
    mutating func start(_ index: Int, at time: Int64) {
        events.push(.start(Int32(index)), at: time)
    }

    /// Sends a local command to peer `index` at `time`; its result lands in `delivered`.
    mutating func command(_ command: PeerCommand, to index: Int, at time: Int64) -> CommandID {
        let id = CommandID(rawValue: nextCommand)
        nextCommand += 1
        events.push(.command(Int32(index), id, command), at: time)
        return id
    }

    /// Sends `request` to peer `to` at `time` as if peer `from` asked it — a client of the simulation, not of
    /// `from`'s machine — and returns the request's ID; the answer lands in `answers`.
    mutating func send(_ request: Request, from: Int, to: Int, at time: Int64) -> OutboundID {
        let id = OutboundID(rawValue: Self.clientBit | nextClientRequest)
        nextClientRequest += 1
        events.push(.request(from: Int32(from), to: Int32(to), id, request), at: time)
        return id
    }

    /// Runs events and timers in order until the next one is later than `deadline` (or none is left), or
    /// `done` holds.
    mutating func run(until deadline: Int64, done: (PeerSimulator) -> Bool = { _ in false }) {
        while true {
            let event = events.nextKey
            if let timer = timers.nextKey, event.map({ Self.before(timer, $0) }) ?? true {
                guard timer.time <= deadline, let firing = timers.pop() else { break }
                now = firing.time
                guard timers.takeIfLive(firing) else { continue }
                let key = firing.key
                handledEvents += 1
                feed(Int(key.node), .timerFired(key.timer))
            } else {
                guard let event, event.time <= deadline, let (time, next) = events.pop() else { break }
                now = time
                handledEvents += 1
                handle(next)
            }
            if done(self) { return }
        }
        now = Swift.max(now, deadline)
    }

    static func before(_ a: (time: Int64, sequence: UInt64), _ b: (time: Int64, sequence: UInt64)) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    mutating func handle(_ event: SimEvent) {
        switch event {
        case .start(let index):
            feed(Int(index), .started(Self.address(of: Int(index))))
        case .request(let from, let to, let id, let request):
            let sender = peers[Int(from)]
            feed(Int(to), .requestReceived(Self.inboundID(from: from, id), request, from: sender, remote: sender.id))
        case .response(let to, let id, let response):
            if id.rawValue & Self.clientBit != 0 {
                answers.append((Int(to), id, response))
            } else {
                feed(Int(to), .answered(id, response))
            }
        case .announcement(let from, let to, let announcement):
            feed(Int(to), .announced(announcement, from: peers[Int(from)].id))
        case .dialed(let to, let id, let peer):
            feed(Int(to), .dialed(id, peer))
        case .timer(let node, let timer, let sequence):
            let code = TimerQueue.Key(node: node, timer: timer).code
            guard timers.takeIfLive(TimerQueue.Firing(time: now, sequence: sequence, code: code)) else { return }
            feed(Int(node), .timerFired(timer))
        case .command(let node, let id, let command):
            feed(Int(node), .command(id, command))
        case .storeCompleted(let node, let ticket, let outcome):
            feed(Int(node), .storeCompleted(ticket, outcome))
        case .chainWritten(let node, let ticket):
            feed(Int(node), .chainWritten(ticket))
        }
    }

    /// A delivered request's ID names who sent it and under which of its own IDs, so that the response finds
    /// its way back without a table of open requests.
    static func inboundID(from sender: Int32, _ id: OutboundID) -> InboundID {
        precondition(id.rawValue < 1 << outboundBits, "a peer sent more than 2^44 requests")
        return InboundID(rawValue: UInt64(UInt32(sender)) << outboundBits | id.rawValue)
    }

    static func route(of id: InboundID) -> (sender: Int32, id: OutboundID) {
        let sender = Int32(truncatingIfNeeded: id.rawValue >> outboundBits)
        return (sender, OutboundID(rawValue: id.rawValue & (1 << outboundBits - 1)))
    }

    /// Bits of an inbound ID left to the sender's own request ID; the other 20 hold the sender (`maxPeers`).
    static let outboundBits: UInt64 = 44

    /// Hands one event to a live peer and carries out what it asks.
    mutating func feed(_ node: Int, _ event: PeerEvent) {
        guard !network.crashed[node] else { return }
        var pending: [PeerAction] = []
        swap(&pending, &actionBuffer)
        machines[node].handle(event, now: instant, appendingActionsTo: &pending)
        for action in pending { carryOut(action, of: node) }
        pending.removeAll(keepingCapacity: true)
        swap(&pending, &actionBuffer)
    }

    mutating func carryOut(_ action: PeerAction, of node: Int) {
        switch action {
        case .send(let id, let peer, let request):
            messages += 1
            guard let destination = Self.index(of: peer.address), destination < machines.count,
                  !network.crashed[destination], network.connects(node, destination), network.delivers(using: &random)
            else { return }
            events.push(.request(from: Int32(node), to: Int32(destination), id, request),
                        at: now + network.latency(node, destination))
        case .respond(let id, let response):
            let (from, outbound) = Self.route(of: id)
            messages += 1
            guard network.connects(node, Int(from)), network.delivers(using: &random) else { return }
            events.push(.response(to: from, outbound, response), at: now + network.latency(node, Int(from)))
        case .announce(let announcement, let peer):
            messages += 1
            guard let destination = Self.index(of: peer.address), destination < machines.count else { return }
            if adversary != nil, case .chain(let chain) = announcement {
                equivocate(chain, from: node)
            }
            guard !network.crashed[destination], network.connects(node, destination), network.delivers(using: &random)
            else { return }
            events.push(.announcement(from: Int32(node), to: Int32(destination), announcement),
                        at: now + network.latency(node, destination))
        case .dial(let id, let address):
            // A connection and its handshake: one round trip and a half, then the dialer knows whose it is.
            guard let destination = Self.index(of: address), destination < machines.count,
                  !network.crashed[destination], network.connects(node, destination), network.connects(destination, node)
            else { return }
            let rtt = network.latency(node, destination) * 3
            events.push(.dialed(to: Int32(node), id, peers[destination].id), at: now + rtt)
        case .armTimer(let timer, let at):
            let key = TimerQueue.Key(node: Int32(node), timer: timer)
            let time = Swift.max(now, at.nanoseconds)
            let sequence = events.takeSequence()
            if !timers.arm(key, at: time, now: now, sequence: sequence) {
                events.push(.timer(Int32(node), timer, sequence: sequence), at: time)
            }
        case .cancelTimer(let timer):
            timers.cancel(TimerQueue.Key(node: Int32(node), timer: timer))
        case .deliver(let id, let result):
            delivered.append((node, id, result))
        case .store(let ticket, let operation):
            // Done at once against the peer's own stores; the outcome arrives as a later event, so that the
            // machine is never fed from inside its own actions.
            switch operation {
            case .writeShard(_, _, let bytes, _): shardBytesWritten += bytes.readableBytes
            case .rebuildShards(let job): rebuildSourceBytes += job.sources.reduce(0) { $0 + $1.bytes.readableBytes }
            default: break
            }
            let outcome = node < stores.count ? stores[node]?.perform(operation) : nil
            events.push(.storeCompleted(Int32(node), ticket,
                                        outcome ?? .failed(.database("simulated peer \(node) has no stores"))),
                        at: now + storeLatency)
        case .chainWrite(let ticket, let write):
            // In memory, durable once the store latency has passed; a crashed peer keeps what it had written.
            switch write {
            case .blocks(let blocks):
                for block in blocks {
                    let shared = intern(block)
                    chainBlocks[node, default: []].append(shared)
                }
            case .signed(let bytes): chainSigned[node] = bytes
            }
            events.push(.chainWritten(Int32(node), ticket), at: now + storeLatency)
        case .chainRead(let id, let from, let maxCount, let maxBytes):
            let stored = chainBlocks[node] ?? []
            var blocks: [CommittedBlockBytes] = []
            var bytes = 0
            if let first = stored.first, from >= first.height, Int(from - first.height) < stored.count {
                for block in stored[Int(from - first.height)...].prefix(maxCount) {
                    bytes += block.body.count + block.commit.count
                    if !blocks.isEmpty && bytes > maxBytes { break }
                    blocks.append(CommittedBlockBytes(block: ByteBuffer(bytes: block.body), commit: ByteBuffer(bytes: block.commit)))
                }
            }
            carryOut(.respond(id, .chain(.blocks(blocks))), of: node)
        case .observed(.chainCommitted(let height, let hash, _)):
            chainLog?.committed(node: node, height: height, hash: hash, at: now)
        case .log(let entry):
            log?.write(entry, peer: node, at: now)
        case .abandon, .persistContacts, .observed:
            break
        }
    }

    /// `block` with its body and commit shared with the other peers that stored the same bytes.
    mutating func intern(_ block: StoredBlock) -> StoredBlock {
        var block = block
        // The transaction index is for a disk store's account history, which no simulated peer reads; kept, its
        // arrays were most of a 2,000-peer storage run's 4.8 GB (each peer's own copy of every block's list).
        block.transactions = []
        if let body = internedBodies[block.hash], body.hasSameBytes(as: block.body) {
            block.body = body
        } else {
            internedBodies[block.hash] = block.body
        }
        if let shared = internedCommits[block.hash]?.first(where: { $0.hasSameBytes(as: block.commit) }) {
            block.commit = shared
        } else {
            internedCommits[block.hash, default: []].append(block.commit)
        }
        return block
    }
}

extension PeerSimulator {
    /// A whole peer on a chain with `rules`, as a simulation builds each of its peers. The simulated genesis is
    /// the simulation's own and valid; a chain that cannot start from it is a bug in the simulation.
    /// `appliedBlocks`: the memo of applied blocks the network's peers share (`AppliedBlockMemo`).
    static func peer(
        identity: Identity, config: PeerMachineConfig, rules: LedgerRules, appliedBlocks: AppliedBlockMemo? = nil
    ) -> PeerMachine {
        let chain: ChainMachine
        var chainConfig = ChainMachineConfig()
        chainConfig.appliedBlocks = appliedBlocks
        do {
            chain = try ChainMachine(rules: rules, identity: identity, localPeer: identity.peerID, config: chainConfig)
        } catch {
            preconditionFailure("the simulated genesis is valid: \(error)")
        }
        return PeerMachine(identity: identity, config: config, chain: chain)
    }
}
