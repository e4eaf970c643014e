import CairnChain
import CairnDHT
import CairnPeer
import CairnWire
import Logging
import NIOCore

/// One Cairn peer on the real network: the `PeerMachine` driven by the SwiftNIO transport and the wall clock.
/// The machine decides — joins, timeouts, retries, upkeep; this class only carries its actions out and feeds it
/// events (DESIGN.md §1). Storage requests too: the machine's provider side decides, and its store operations
/// run on the disk's thread pool (`ProviderDisk`).
///
/// `@unchecked Sendable`: all mutable state is confined to `eventLoop`; every public method hops there.
public final class NetworkPeer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var listen: PeerAddress
        public var bootstrap: [PeerAddress]
        public var parameters: NetworkParameters
        public var limits: TransportLimits
        public var dht: DHTConfig
        /// The provider's rules, for a peer with a disk.
        public var provider: ProviderConfig
        /// What the peer does in the storage market on its own, for a peer with a disk; nil for nothing.
        public var market: MarketAgentConfig?

        public init(listen: PeerAddress, bootstrap: [PeerAddress], parameters: NetworkParameters,
                    limits: TransportLimits = TransportLimits(), dht: DHTConfig = DHTConfig(),
                    provider: ProviderConfig = ProviderConfig(), market: MarketAgentConfig? = nil) {
            self.market = market
            self.listen = listen
            self.bootstrap = bootstrap
            self.parameters = parameters
            self.limits = limits
            self.dht = dht
            self.provider = provider
        }

        /// The machine's rules for this configuration; a peer without a disk refuses storage requests.
        func machine(storing: Bool) -> PeerMachineConfig {
            PeerMachineConfig(dht: dht, bootstrap: bootstrap,
                              dialTimeout: (limits.connectTimeout + limits.handshakeTimeout).duration,
                              provider: storing ? provider : nil, market: storing ? market : nil)
        }
    }

    public let identity: Identity
    public let eventLoop: EventLoop
    public let transport: Transport
    let configuration: Configuration
    let logger: Logger
    private let contacts: ContactStore?
    /// Keeps shards and blobs for the network; nil for a peer that stores nothing (benchmarks).
    public let disk: ProviderDisk?
    /// Keeps the chain; nil for a peer that does not run it (or a network without one).
    public let chainDisk: ChainDisk?

    // Confined to `eventLoop`.
    private var machine: PeerMachine
    private var nextCommand: UInt64 = 1
    private var nextInbound: UInt64 = 1
    private var commands: [CommandID: EventLoopPromise<PeerCommandResult>] = [:]
    private var inbound: [InboundID: EventLoopPromise<Response>] = [:]
    /// Requests the machine has not abandoned; an answer to any other is dropped.
    private var sending: Set<OutboundID> = []
    private var timers: [PeerTimer: Scheduled<Void>] = [:]
    /// Announcements being written; `stop` lets them go out before it closes the connections.
    private var announcing: [UInt64: EventLoopFuture<Void>] = [:]
    /// Chain writes under way, by ticket; `stop` waits for them.
    private var chainWrites: [UInt64: EventLoopFuture<Void>] = [:]
    private var nextAnnouncement: UInt64 = 1

    /// What a finished query produced, with its statistics.
    public struct QueryResult: Sendable {
        public var outcome: QueryOutcome
        public var stats: QueryStats
    }

    public init(identity: Identity, configuration: Configuration, contacts: ContactStore?,
                disk: ProviderDisk? = nil, chain: ChainDisk? = nil, eventLoop: EventLoop, logger: Logger) {
        self.identity = identity
        self.disk = disk
        self.chainDisk = configuration.parameters.chain == nil ? nil : chain
        self.configuration = configuration
        self.contacts = contacts
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "cairn.peer"] = "\(identity.peerID.shortHex)"
        self.logger = logger
        let handshake = HandshakeConfig(
            identity: identity, networkID: configuration.parameters.networkID,
            puzzleBits: configuration.parameters.puzzleBits, advertisedAddress: nil)
        self.transport = Transport(eventLoop: eventLoop, handshakeConfig: handshake, limits: configuration.limits,
                                   logger: logger)
        self.machine = PeerMachine(identity: identity, config: configuration.machine(storing: disk != nil))
    }

    public var peerID: PeerID { identity.peerID }

    /// The network's parameters this peer runs with: its chain's among them (token, decimals, fees).
    public var parameters: NetworkParameters { configuration.parameters }

    /// Binds the listener, restores saved contacts and starts the machine, which joins.
    public func start() async throws -> PeerAddress {
        PeerMetrics.prepare()
        transport.setRequestHandler { [self] request, from, remote in
            PeerMetrics.served(request)
            // A storage request is fed in where it arrives, with no extra hop: a small shard's round trip is
            // one event-loop turn, one pool job and back.
            if case .storage = request, eventLoop.inEventLoop { return received(request, from: from, remote: remote) }
            return eventLoop.flatSubmit { self.received(request, from: from, remote: remote) }
        }
        transport.setAnnouncementHandler { [self] announcement, from in
            eventLoop.execute { self.feed(.announced(announcement, from: from)) }
        }
        let address = try await transport.listen(host: configuration.listen.host, port: Int(configuration.listen.port)).get()
        let saved = ((try contacts?.load()) ?? []).map(\.peer)
        let chain = try restoreChain()
        try await eventLoop.submit { [self] in
            machine = PeerMachine(identity: identity, config: configuration.machine(storing: disk != nil),
                                  contacts: saved, chain: chain)
            feed(.started(address))
        }.get()
        logger.info("peer listening", metadata: ["cairn.address": "\(address)"])
        return address
    }

    /// Runs a DHT query to completion.
    public func query(_ query: DHTQuery) async throws -> QueryResult {
        guard case .queryFinished(let outcome, let stats) = try await perform(.query(query)) else {
            throw FileError.unexpectedResponse("a lookup")
        }
        return QueryResult(outcome: outcome, stats: stats)
    }

    /// Hands `command` to the machine and waits for its result. A peer that stops first throws `PeerStopped`.
    public func perform(_ command: PeerCommand) async throws -> PeerCommandResult {
        try await submit { _ in command }.1
    }

    /// Hands the command `make` builds (it is given the command's ID, which names a put from then on) to the
    /// machine; returns that ID and the result.
    public func submit(_ make: @escaping @Sendable (CommandID) -> PeerCommand) async throws
        -> (CommandID, PeerCommandResult)
    {
        try await eventLoop.flatSubmit { [self] () -> EventLoopFuture<(CommandID, PeerCommandResult)> in
            let promise = eventLoop.makePromise(of: PeerCommandResult.self)
            let id = issue(make, answeringTo: promise)
            return promise.futureResult.map { (id, $0) }
        }.get()
    }

    /// Hands `command` to the machine without waiting for its result, for a caller that has nothing to do with
    /// it (ending a get whose bytes are in hand): the answer to a request does not wait for the event loop.
    public func post(_ command: PeerCommand) {
        eventLoop.execute { [self] in _ = issue({ _ in command }, answeringTo: nil) }
    }

    /// Gives the next command ID to the command `make` builds and feeds it to the machine; its result goes to
    /// `promise`, or nowhere. On the event loop.
    private func issue(_ make: (CommandID) -> PeerCommand, answeringTo promise: EventLoopPromise<PeerCommandResult>?)
        -> CommandID
    {
        let id = CommandID(rawValue: nextCommand)
        nextCommand += 1
        if let promise { commands[id] = promise }
        feed(.command(id, make(id)))
        return id
    }

    /// The routing table's entries with the wall-clock time each was last heard from.
    public func knownPeers() async throws -> [(peer: PeerInfo, lastSeen: Instant)] {
        try await eventLoop.submit { [self] in
            machine.dht?.routingTable.entries.map { ($0.peer, $0.lastSeen) } ?? []
        }.get()
    }

    public var listenAddress: PeerAddress? { transport.listenAddress }

    /// A provider record for `key` signed by this peer, which republishes it from now on.
    public func makeProviderRecord(for key: Key256) async throws -> ProviderRecord {
        try await eventLoop.submit { [self] in
            guard let record = machine.makeProviderRecord(for: key, now: WallClock.now()) else {
                throw TransportError.shuttingDown
            }
            return record
        }.get()
    }

    /// The peers of the local routing table closest to `key`, this peer included: no network round trip.
    public func closestKnown(to key: Key256, count: Int) async throws -> [PeerInfo] {
        try await eventLoop.submit { [self] in
            guard let dht = machine.dht else { return [] }
            var peers = dht.closestKnown(to: key, count: count)
            peers.append(dht.localPeer)
            peers.sort { $0.id.distance(to: key) < $1.id.distance(to: key) }
            return Array(peers.prefix(count))
        }.get()
    }

    /// Saves the routing table, closes every connection and stops the timers.
    public func stop() async {
        // The machine says goodbye as it stops; the transport's connect timeout bounds how long that can take.
        // Chain writes already asked for finish first: a block or signature the machine counted on is kept.
        let goodbyes = try? await eventLoop.submit { [self] () -> EventLoopFuture<Void> in
            feed(.stopping)
            return EventLoopFuture.andAllComplete(Array(announcing.values) + Array(chainWrites.values), on: eventLoop)
        }.get()
        try? await goodbyes?.get()
        try? await transport.shutdown().get()
        logger.info("peer stopped")
    }

    /// Sends a storage request to `peer` — or serves it here when `peer` is this peer, through the same machine
    /// path as a request from the network — and returns the answer; a remote error is thrown as `RemoteError`.
    public func storageRequest(_ request: StorageRequest, to peer: PeerInfo, timeout: Duration = .seconds(30)) async throws
        -> StorageResponse
    {
        guard peer.id != peerID else { return try await serveLocally(request) }
        let response = try await transport.request(.storage(request), to: peer, timeout: timeout.timeAmount).get()
        return try Self.answer(response)
    }

    /// Serves a storage request of this peer's own (the owner keeping its file's descriptor and placement
    /// itself) through the machine, exactly as one from the network.
    public func serveLocally(_ request: StorageRequest) async throws -> StorageResponse {
        let response = try await eventLoop.flatSubmit { self.received(.storage(request), from: nil, remote: self.peerID) }
            .get()
        return try Self.answer(response)
    }

    private static func answer(_ response: Response) throws -> StorageResponse {
        switch response {
        case .storage(let answer): return answer
        case .error(let error): throw error
        case .dht, .echo, .chain: throw FileError.unexpectedResponse("a storage request")
        }
    }

    // MARK: - Driving the machine (on eventLoop only)

    private func received(_ request: Request, from: PeerInfo?, remote: PeerID) -> EventLoopFuture<Response> {
        let id = InboundID(rawValue: nextInbound)
        nextInbound += 1
        let promise = eventLoop.makePromise(of: Response.self)
        inbound[id] = promise
        feed(.requestReceived(id, request, from: from, remote: remote))
        guard case .storage(let storage) = request else { return promise.futureResult }
        return promise.futureResult.map { response in
            PeerMetrics.answered(storage, with: response)
            return response
        }
    }

    private func feed(_ event: PeerEvent) {
        eventLoop.assertInEventLoop()
        machine.handle(event, now: WallClock.now())
        pump()
    }

    /// Carries out everything the machine asked for, in order.
    private func pump() {
        eventLoop.assertInEventLoop()
        for action in machine.takeActions() {
            switch action {
            case .send(let id, let peer, let request):
                send(request, id: id, to: peer)
            case .abandon(let id):
                sending.remove(id)
            case .respond(let id, let response):
                inbound.removeValue(forKey: id)?.succeed(response)
            case .dial(let id, let address):
                dial(address, id: id)
            case .armTimer(let timer, let instant):
                arm(timer, at: instant)
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .persistContacts(let peers):
                persist(peers)
            case .deliver(let id, let result):
                guard let promise = commands.removeValue(forKey: id) else { continue }
                if case .failed(let reason) = result {
                    promise.fail(PeerStopped(reason: reason))
                } else {
                    promise.succeed(result)
                }
            case .announce(let announcement, let peer):
                announce(announcement, to: peer)
            case .observed(.lookupFinished(let outcome, let stats)):
                PeerMetrics.lookup(outcome, duration: stats.duration)
            case .observed(.chainCommitted(let height, _, let transactions)):
                PeerMetrics.chainCommitted(height: height, transactions: transactions)
            case .chainWrite(let ticket, let write):
                chainWrite(write, ticket: ticket)
            case .chainRead(let id, let from, let maxCount, let maxBytes):
                chainRead(id, from: from, maxCount: maxCount, maxBytes: maxBytes)
            case .log(let entry):
                log(entry)
            case .store(let ticket, let operation):
                store(operation, ticket: ticket)
            }
        }
    }

    /// The chain machine, restored from the blocks this peer stored (replayed from the genesis state); nil
    /// without a chain store or on a network without a chain.
    private func restoreChain() throws -> ChainMachine? {
        guard let chainDisk, let rules = configuration.parameters.ledgerRules else { return nil }
        var chain = try ChainMachine(
            rules: rules, identity: identity, localPeer: identity.peerID, lastSigned: try chainDisk.store.lastSigned())
        // In batches: a long chain is never in memory whole.
        while true {
            let batch = try chainDisk.store.blocks(from: chain.height + 1, maxCount: 512, maxBytes: 32 << 20)
            guard !batch.isEmpty else { return chain }
            try chain.replay(batch)
        }
    }

    /// Makes a chain write durable on the chain's own thread, then tells the machine. A write that fails (a
    /// full disk) is logged and never reported: the chain stops on this peer rather than go on with what it
    /// could not keep.
    private func chainWrite(_ write: ChainWrite, ticket: ChainWriteTicket) {
        guard let chainDisk else { return }
        let store = chainDisk.store
        let done = chainDisk.pool.runIfActive(eventLoop: eventLoop) {
            switch write {
            case .blocks(let blocks): try store.append(contentsOf: blocks)
            case .signed(let message): try store.saveSigned(message)
            }
        }
        chainWrites[ticket.rawValue] = done
        done.whenComplete { [self] result in
            chainWrites[ticket.rawValue] = nil
            switch result {
            case .success: feed(.chainWritten(ticket))
            case .failure(let error):
                logger.critical("the chain store refused a write; the chain stops on this peer", metadata: [
                    "cairn.error": "\(error)"])
            }
        }
    }

    /// Answers a chain request for blocks this peer no longer keeps in memory, from its store.
    private func chainRead(_ id: InboundID, from: UInt64, maxCount: Int, maxBytes: Int) {
        guard let chainDisk, let promise = inbound.removeValue(forKey: id) else { return }
        let store = chainDisk.store
        chainDisk.pool.runIfActive(eventLoop: eventLoop) {
            try store.blocks(from: from, maxCount: maxCount, maxBytes: maxBytes).map {
                CommittedBlockBytes(block: ByteBuffer(bytes: $0.body), commit: ByteBuffer(bytes: $0.commit))
            }
        }.whenComplete { result in
            switch result {
            case .success(let blocks): promise.succeed(.chain(.blocks(blocks)))
            case .failure(let error):
                promise.succeed(.error(RemoteError(code: .internalError, message: "the chain store failed: \(error)")))
            }
        }
    }

    /// Carries a store operation out on the disk's thread pool and feeds its outcome back on the loop.
    private func store(_ operation: StoreOperation, ticket: StoreTicket) {
        guard let disk else {
            // The machine asks for disk work only when its config has a provider, which it has only with a disk.
            return feed(.storeCompleted(ticket, .failed(.database("this peer has no disk to store on"))))
        }
        let stores = disk.stores
        disk.pool.runIfActive(eventLoop: eventLoop) { stores.perform(operation) }.whenComplete { [self] result in
            switch result {
            case .success(let outcome): feed(.storeCompleted(ticket, outcome))
            case .failure(let error): feed(.storeCompleted(ticket, .failed(.database("the disk pool stopped: \(error)"))))
            }
        }
    }

    private func send(_ request: Request, id: OutboundID, to peer: PeerInfo) {
        sending.insert(id)
        let answer: EventLoopFuture<Response>
        if peer.id == peerID, case .storage = request {
            // A storage request to this peer itself (it is one of the providers or keepers near a key): fed to the
            // machine on a later turn of the loop, not from inside the action loop that asked for it.
            answer = eventLoop.flatSubmit { self.received(request, from: nil, remote: self.peerID) }
        } else {
            // The machine times the request out (`PeerTimer.requestTimeout`); the transport's own, later timeout
            // only frees the connection's slot if no answer ever comes. Storage requests carry shards and may
            // wait on a provider's disk: the machine gives them up to 30 s.
            let limit: Duration = if case .storage = request { .seconds(60) } else { machine.config.requestTimeout * 2 }
            answer = transport.request(request, to: peer, timeout: limit.timeAmount)
        }
        answer
            .hop(to: eventLoop)
            .whenComplete { [self] result in
                guard sending.remove(id) != nil else { return }
                switch result {
                case .success(let response):
                    if case .error(let error) = response {
                        logger.debug("peer refused request", metadata: ["cairn.remote": "\(peer)", "cairn.error": "\(error)"])
                    }
                    feed(.answered(id, response))
                case .failure(let error):
                    logger.debug("request failed", metadata: ["cairn.remote": "\(peer)", "cairn.error": "\(error)"])
                    feed(.failed(id, reason: "\(error)"))
                }
            }
    }

    private func announce(_ announcement: Announcement, to peer: PeerInfo) {
        let key = nextAnnouncement
        nextAnnouncement += 1
        let written = transport.announce(announcement, to: peer).hop(to: eventLoop)
        announcing[key] = written
        written.whenComplete { [self] result in
            announcing[key] = nil
            if case .failure(let error) = result {
                logger.debug("announcement not delivered", metadata: ["cairn.remote": "\(peer)", "cairn.error": "\(error)"])
            }
        }
    }

    private func dial(_ address: PeerAddress, id: OutboundID) {
        sending.insert(id)
        transport.connect(to: address, expecting: nil).hop(to: eventLoop).whenComplete { [self] result in
            guard sending.remove(id) != nil else { return }
            switch result {
            case .success(let connection): feed(.dialed(id, connection.remotePeerID))
            case .failure(let error): feed(.failed(id, reason: "\(error)"))
            }
        }
    }

    private func arm(_ timer: PeerTimer, at instant: Instant) {
        timers.removeValue(forKey: timer)?.cancel()
        let delay = max(0, instant.nanoseconds - WallClock.now().nanoseconds)
        timers[timer] = eventLoop.scheduleTask(in: .nanoseconds(delay)) { [self] in
            timers.removeValue(forKey: timer)
            feed(.timerFired(timer))
        }
    }

    private func persist(_ peers: [PeerInfo]) {
        guard let contacts else { return }
        let now = WallClock.now().date
        let lastSeen = Dictionary(
            (machine.dht?.routingTable.entries ?? []).map { ($0.peer.id, $0.lastSeen.date) },
            uniquingKeysWith: { a, _ in a })
        do {
            try contacts.replaceAll(with: peers.map { ContactStore.Contact(peer: $0, lastSeen: lastSeen[$0.id] ?? now) })
        } catch {
            logger.warning("could not save contacts", metadata: ["cairn.error": "\(error)"])
        }
    }

    private func log(_ entry: PeerLogEntry) {
        let metadata = entry.metadata.mapValues { Logger.MetadataValue.string($0) }
        switch entry.level {
        case .debug: logger.debug("\(entry.message)", metadata: metadata)
        case .info: logger.info("\(entry.message)", metadata: metadata)
        case .notice: logger.notice("\(entry.message)", metadata: metadata)
        case .warning: logger.warning("\(entry.message)", metadata: metadata)
        }
    }
}

/// A command that could not finish because the peer stopped or was not running.
public struct PeerStopped: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
