import CairnDHT
import CairnPeer
import CairnWire
import Logging
import NIOCore

/// One Cairn peer on the real network: the `PeerMachine` driven by the SwiftNIO transport and the wall clock.
/// The machine decides — joins, timeouts, retries, upkeep; this class only carries its actions out and feeds it
/// events (DESIGN.md §1). Storage requests other peers send still go straight to the `ProviderService` (to
/// move into the machine next); the machine's own storage requests to this peer are served by it too.
///
/// `@unchecked Sendable`: all mutable state is confined to `eventLoop`; every public method hops there.
public final class NetworkPeer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var listen: PeerAddress
        public var bootstrap: [PeerAddress]
        public var parameters: NetworkParameters
        public var limits: TransportLimits
        public var dht: DHTConfig

        public init(listen: PeerAddress, bootstrap: [PeerAddress], parameters: NetworkParameters,
                    limits: TransportLimits = TransportLimits(), dht: DHTConfig = DHTConfig()) {
            self.listen = listen
            self.bootstrap = bootstrap
            self.parameters = parameters
            self.limits = limits
            self.dht = dht
        }

        /// The machine's rules for this configuration.
        var machine: PeerMachineConfig {
            PeerMachineConfig(dht: dht, bootstrap: bootstrap,
                              dialTimeout: (limits.connectTimeout + limits.handshakeTimeout).duration)
        }
    }

    public let identity: Identity
    public let eventLoop: EventLoop
    public let transport: Transport
    let configuration: Configuration
    let logger: Logger
    private let contacts: ContactStore?
    /// Keeps shards and blobs for the network; nil for a peer that stores nothing (benchmarks).
    public let provider: ProviderService?

    // Confined to `eventLoop`.
    private var machine: PeerMachine
    private var nextCommand: UInt64 = 1
    private var nextInbound: UInt64 = 1
    private var commands: [CommandID: EventLoopPromise<PeerCommandResult>] = [:]
    private var inbound: [InboundID: EventLoopPromise<Response>] = [:]
    /// Requests the machine has not abandoned; an answer to any other is dropped.
    private var sending: Set<OutboundID> = []
    private var timers: [PeerTimer: Scheduled<Void>] = [:]

    /// What a finished query produced, with its statistics.
    public struct QueryResult: Sendable {
        public var outcome: QueryOutcome
        public var stats: QueryStats
    }

    public init(identity: Identity, configuration: Configuration, contacts: ContactStore?,
                provider: ProviderService? = nil, eventLoop: EventLoop, logger: Logger) {
        self.identity = identity
        self.provider = provider
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
        self.machine = PeerMachine(identity: identity, config: configuration.machine)
    }

    public var peerID: PeerID { identity.peerID }

    /// Binds the listener, restores saved contacts and starts the machine, which joins.
    public func start() async throws -> PeerAddress {
        transport.setRequestHandler { [self] request, from, remote in
            if case .storage(let storage) = request { return self.serveStorage(storage) }
            return eventLoop.flatSubmit { self.received(request, from: from, remote: remote) }
        }
        let address = try await transport.listen(host: configuration.listen.host, port: Int(configuration.listen.port)).get()
        let saved = ((try contacts?.load()) ?? []).map(\.peer)
        try await eventLoop.submit { [self] in
            machine = PeerMachine(identity: identity, config: configuration.machine, contacts: saved)
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
            let id = CommandID(rawValue: nextCommand)
            nextCommand += 1
            let promise = eventLoop.makePromise(of: PeerCommandResult.self)
            commands[id] = promise
            feed(.command(id, make(id)))
            return promise.futureResult.map { (id, $0) }
        }.get()
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
        try? await eventLoop.submit { [self] in feed(.stopping) }.get()
        try? await transport.shutdown().get()
        logger.info("peer stopped")
    }

    /// Hands a storage request to the provider service; on the event loop.
    func serveStorage(_ request: StorageRequest) -> EventLoopFuture<Response> {
        guard let provider else {
            return eventLoop.makeSucceededFuture(.error(RemoteError(code: .refused, message: "this peer does not store data")))
        }
        let holder = ProviderService.Holder(identity: identity, addresses: listenAddress.map { [$0] } ?? [])
        return provider.serve(request, on: eventLoop, as: holder) { [self] record in
            let refusal = machine.acceptProviderRecord(record, now: WallClock.now())
            pump()
            return refusal
        }
    }

    // MARK: - Driving the machine (on eventLoop only)

    private func received(_ request: Request, from: PeerInfo?, remote: PeerID) -> EventLoopFuture<Response> {
        let id = InboundID(rawValue: nextInbound)
        nextInbound += 1
        let promise = eventLoop.makePromise(of: Response.self)
        inbound[id] = promise
        feed(.requestReceived(id, request, from: from, remote: remote))
        return promise.futureResult
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
            case .log(let entry):
                log(entry)
            }
        }
    }

    private func send(_ request: Request, id: OutboundID, to peer: PeerInfo) {
        sending.insert(id)
        let answer: EventLoopFuture<Response>
        if peer.id == peerID, case .storage(let storage) = request {
            // A storage request to this peer itself (it is one of the providers or keepers near a key).
            answer = serveStorage(storage)
        } else {
            // The machine times the request out (`PeerTimer.requestTimeout`); the transport's own, later timeout
            // only frees the connection's slot if no answer ever comes. Storage requests carry shards and may
            // wait on a provider's disk: the machine gives them up to 30 s.
            let limit: Duration =
                if case .storage = request { .seconds(60) } else { configuration.machine.requestTimeout * 2 }
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
