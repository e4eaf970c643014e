import CairnChain
import CairnDHT
import CairnWire

/// The whole peer as a value (DESIGN.md §1): it takes events with their `now` and returns actions, and does
/// no I/O — no socket, clock, task, lock or file handle. `cairn run` (CairnNet's `NetworkPeer`) and the
/// simulator (CairnSim) drive this same machine, so every rule of the peer — the join, timeouts, upkeep —
/// holds in both.
///
/// Composed so far: the Kademlia node (`DHTNode`), the request bookkeeping (ids, timeouts as timers), the
/// join and rejoin policy, the routing table's persistence schedule, and the provider side of the storage
/// protocol (`ProviderMachine`, whose disk work goes out as `PeerAction.store`).
public struct PeerMachine: Sendable {
    enum State: Sendable {
        /// Not listening yet; the saved contacts and the chain wait for the node. Indirect: a `ChainMachine` is
        /// kilobytes inline, and every event moves the state in and out of `withRunning` (a memmove of the
        /// whole enum each time was a tenth of a simulated chain's time).
        indirect case idle(contacts: [PeerInfo], chain: ChainMachine?)
        case running(RunningPeerStorage)
        case stopped
    }

    // Laid out in declaration order: what every event touches first (see `DHTNode`).
    var state: State
    var actions: [PeerAction] = []
    public let identity: Identity
    public let config: PeerMachineConfig

    /// A peer that will join through `config.bootstrap` and the `contacts` it saved last time, and run `chain`
    /// (restored by the driver from the blocks it stored, `ChainMachine.init`) when given one.
    public init(identity: Identity, config: PeerMachineConfig, contacts: [PeerInfo] = [], chain: ChainMachine? = nil) {
        self.identity = identity
        self.config = config
        self.state = .idle(contacts: contacts, chain: chain)
    }

    public var peerID: PeerID { identity.peerID }

    /// The Kademlia node, for reading (routing table, records); nil before `started` and after `stopping`.
    public var dht: DHTNode? {
        guard case .running(let running) = state else { return nil }
        return running.peer.dht
    }

    /// The chain, for reading; nil before `started`, after `stopping`, and on a peer that does not run it.
    public var chain: ChainMachine? {
        guard case .running(let running) = state else { return nil }
        return running.peer.chain
    }

    /// True once the first join finished (successfully or not).
    public var hasJoined: Bool {
        guard case .running(let running) = state else { return false }
        return running.peer.joins > 0
    }

    /// Feeds one event in and appends the actions it causes to `buffer`, whose storage is reused: a driver
    /// that handles millions of events (the simulator) keeps one buffer instead of a new list per event.
    /// Actions already waiting in `takeActions()` stay there.
    public mutating func handle(_ event: PeerEvent, now: Instant, appendingActionsTo buffer: inout [PeerAction]) {
        swap(&actions, &buffer)
        handle(event, now: now)
        swap(&actions, &buffer)
    }

    /// Feeds one event in; the actions it causes wait in `takeActions()`.
    public mutating func handle(_ event: PeerEvent, now: Instant) {
        // The state is inspected by case only: binding its payload here would keep a second reference to the
        // storage and make the mutation below copy the peer.
        switch event {
        case .started(let address):
            guard case .idle(let contacts, let chain) = state else { return }
            var running = RunningPeer(identity: identity, address: address, config: config, chain: chain, now: now)
            running.start(contacts: contacts, now: now)
            actions.append(contentsOf: running.takeActions())
            state = .running(RunningPeerStorage(running))
        case .stopping:
            update { $0.stop() }
            state = .stopped
        default:
            guard isRunning else { return refuse(event) }
            update { $0.handle(event, now: now) }
        }
    }

    var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    /// What a peer that is not running says to a command or a request.
    mutating func refuse(_ event: PeerEvent) {
        switch event {
        case .command(let id, _):
            actions.append(.deliver(id, .failed("the peer is not running")))
        case .requestReceived(let id, _, _, _):
            actions.append(.respond(id, .error(RemoteError(code: .overloaded, message: "the peer is not running"))))
        default:
            break
        }
    }

    /// A provider record for `key` signed by this peer, which republishes it from now on; nil when not running.
    public mutating func makeProviderRecord(for key: Key256, now: Instant) -> ProviderRecord? {
        var record: ProviderRecord?
        withRunning { record = $0.dht.makeProviderRecord(for: key, now: now) }
        return record
    }

    /// Drains the pending actions, oldest first.
    public mutating func takeActions() -> [PeerAction] {
        guard !actions.isEmpty else { return [] }
        defer { actions = [] }
        return actions
    }

    /// Mutates the running peer in place, copying it first only if another machine value shares it.
    mutating func withRunning(_ body: (inout RunningPeer) -> Void) {
        guard case .running(var storage) = state else { return }
        // Drop the state's own reference, so that `storage` is unique unless a copy of this machine holds it.
        state = .stopped
        if !isKnownUniquelyReferenced(&storage) { storage = RunningPeerStorage(storage.peer) }
        body(&storage.peer)
        state = .running(storage)
    }

    /// Mutates the running peer, which appends its actions straight onto this machine's pending list: the
    /// list is lent to it meanwhile (an array is one reference, so lending it copies nothing), and the
    /// peer's own list is empty between events.
    mutating func update(_ body: (inout RunningPeer) -> Void) {
        var pending: [PeerAction] = []
        swap(&pending, &actions)
        withRunning { running in
            assert(running.actions.isEmpty, "a running peer keeps no actions between events")
            swap(&running.actions, &pending)
            body(&running)
            swap(&running.actions, &pending)
        }
        swap(&pending, &actions)
    }
}
