import CairnDHT
import CairnPeer
import CairnWire
import Logging
import NIOCore

/// One Cairn peer on the real network: the DHT machine driven by the SwiftNIO transport and the wall
/// clock. The machine decides; this class only carries its actions out and feeds it events.
///
/// `@unchecked Sendable`: all mutable state is confined to `eventLoop`; every public method hops there.
public final class NetworkPeer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var listen: PeerAddress
        public var bootstrap: [PeerAddress]
        public var parameters: NetworkParameters
        public var limits: TransportLimits
        public var dht: DHTConfig
        /// How often the routing table is written to disk.
        public var persistInterval: TimeAmount = .seconds(30)
        /// How often a peer with an empty routing table retries its bootstrap peers.
        public var rejoinInterval: TimeAmount = .seconds(10)

        public init(listen: PeerAddress, bootstrap: [PeerAddress], parameters: NetworkParameters,
                    limits: TransportLimits = TransportLimits(), dht: DHTConfig = DHTConfig()) {
            self.listen = listen
            self.bootstrap = bootstrap
            self.parameters = parameters
            self.limits = limits
            self.dht = dht
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

    private var dht: DHTNode?
    private var waiting: [QueryID: EventLoopPromise<QueryResult>] = [:]
    private var timers: [RepeatedTask] = []
    private var joining = false

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
    }

    public var peerID: PeerID { identity.peerID }

    /// Binds the listener, restores saved contacts, joins through the bootstrap peers and starts the timers.
    public func start() async throws -> PeerAddress {
        transport.setRequestHandler { [self] request, from, remote in
            if case .storage(let storage) = request { return self.serveStorage(storage) }
            return eventLoop.submit { self.serve(request, from: from) }
        }
        let address = try await transport.listen(host: configuration.listen.host, port: Int(configuration.listen.port)).get()
        try await eventLoop.submit { [self] in
            var node = DHTNode(identity: identity, address: address, config: configuration.dht, now: WallClock.now())
            for contact in (try contacts?.load()) ?? [] where contact.peer.id != identity.peerID {
                node.addKnownPeer(contact.peer, now: WallClock.now())
            }
            dht = node
            startTimers()
            join()
        }.get()
        logger.info("peer listening", metadata: ["cairn.address": "\(address)"])
        return address
    }

    /// Runs a DHT query to completion.
    public func query(_ query: DHTQuery) async throws -> QueryResult {
        try await eventLoop.flatSubmit { [self] () -> EventLoopFuture<QueryResult> in
            guard dht != nil else { return eventLoop.makeFailedFuture(TransportError.shuttingDown) }
            let promise = eventLoop.makePromise(of: QueryResult.self)
            let id = dht!.startQuery(query, now: WallClock.now())
            waiting[id] = promise
            pump()
            return promise.futureResult
        }.get()
    }

    /// The routing table's entries with the wall-clock time each was last heard from.
    public func knownPeers() async throws -> [(peer: PeerInfo, lastSeen: Instant)] {
        try await eventLoop.submit { [self] in
            dht?.routingTable.entries.map { ($0.peer, $0.lastSeen) } ?? []
        }.get()
    }

    public var listenAddress: PeerAddress? { transport.listenAddress }

    /// A provider record for `key` signed by this peer, which republishes it from now on.
    public func makeProviderRecord(for key: Key256) async throws -> ProviderRecord {
        try await eventLoop.submit { [self] in
            guard dht != nil else { throw TransportError.shuttingDown }
            return dht!.makeProviderRecord(for: key, now: WallClock.now())
        }.get()
    }

    /// The peers of the local routing table closest to `key`, this peer included: no network round trip.
    public func closestKnown(to key: Key256, count: Int) async throws -> [PeerInfo] {
        try await eventLoop.submit { [self] in
            guard let dht else { return [] }
            var peers = dht.closestKnown(to: key, count: count)
            peers.append(dht.localPeer)
            peers.sort { $0.id.distance(to: key) < $1.id.distance(to: key) }
            return Array(peers.prefix(count))
        }.get()
    }

    /// Saves the routing table, closes every connection and stops the timers.
    public func stop() async {
        try? await eventLoop.submit { [self] in
            for timer in timers { timer.cancel() }
            timers.removeAll()
            persistContacts()
            for promise in waiting.values { promise.fail(TransportError.shuttingDown) }
            waiting.removeAll()
        }.get()
        try? await transport.shutdown().get()
        try? await eventLoop.submit { [self] in dht = nil }.get()
        logger.info("peer stopped")
    }

    // MARK: - Driving the machine (on eventLoop only)

    private func serve(_ request: Request, from: PeerInfo?) -> Response {
        switch request {
        case .dht(let dhtRequest):
            guard dht != nil else {
                return .error(RemoteError(code: .internalError, message: "peer is shutting down"))
            }
            let response = dht!.handleRequest(dhtRequest, from: from, now: WallClock.now())
            pump()
            return .dht(response)
        case .echo(let payload):
            return .echo(payload)
        case .storage:
            return .error(RemoteError(code: .internalError, message: "storage request on the wrong path"))
        }
    }

    /// Hands a storage request to the provider service; on the event loop.
    func serveStorage(_ request: StorageRequest) -> EventLoopFuture<Response> {
        guard let provider else {
            return eventLoop.makeSucceededFuture(.error(RemoteError(code: .refused, message: "this peer does not store data")))
        }
        return provider.serve(request, on: eventLoop) { [self] record in
            guard dht != nil else { return "this peer is shutting down" }
            switch dht!.handleRequest(.addProvider(record), from: nil, now: WallClock.now()) {
            case .stored: return nil
            case .refused(let reason): return reason
            default: return "an unexpected answer from the DHT"
            }
        }
    }

    /// Sends a storage request to `peer` — or serves it here when `peer` is this peer — and returns the answer;
    /// a remote error is thrown as `RemoteError`.
    public func storageRequest(_ request: StorageRequest, to peer: PeerInfo, timeout: Duration = .seconds(30)) async throws
        -> StorageResponse
    {
        let response: Response
        if peer.id == peerID {
            response = try await eventLoop.flatSubmit { self.serveStorage(request) }.get()
        } else {
            response = try await transport.request(.storage(request), to: peer, timeout: timeout.timeAmount).get()
        }
        switch response {
        case .storage(let answer): return answer
        case .error(let error): throw error
        case .dht, .echo: throw FileError.unexpectedResponse("a storage request")
        }
    }

    /// Carries out everything the machine asked for.
    private func pump() {
        eventLoop.assertInEventLoop()
        guard dht != nil else { return }
        for action in dht!.takeActions() {
            switch action {
            case .send(let requestID, let peer, let request):
                send(request, id: requestID, to: peer)
            case .finished(let queryID, let outcome, let stats):
                waiting.removeValue(forKey: queryID)?.succeed(QueryResult(outcome: outcome, stats: stats))
            }
        }
    }

    private func send(_ request: DHTRequest, id: RequestID, to peer: PeerInfo) {
        transport.request(.dht(request), to: peer, timeout: configuration.dht.requestTimeout.timeAmount)
            .hop(to: eventLoop)
            .whenComplete { [self] result in
                guard dht != nil else { return }
                switch result {
                case .success(.dht(let response)):
                    dht!.handleResponse(response, to: id, now: WallClock.now())
                case .success(.echo), .success(.storage):
                    dht!.handleFailure(of: id, now: WallClock.now())
                case .success(.error(let error)):
                    logger.debug("peer refused request", metadata: ["cairn.remote": "\(peer)", "cairn.error": "\(error)"])
                    dht!.handleFailure(of: id, now: WallClock.now())
                case .failure(let error):
                    logger.debug("request failed", metadata: ["cairn.remote": "\(peer)", "cairn.error": "\(error)"])
                    dht!.handleFailure(of: id, now: WallClock.now())
                }
                pump()
            }
    }

    private func startTimers() {
        timers.append(eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
            guard dht != nil else { return }
            dht!.tick(now: WallClock.now())
            pump()
        })
        timers.append(
            eventLoop.scheduleRepeatedTask(initialDelay: configuration.persistInterval, delay: configuration.persistInterval) {
                [self] _ in persistContacts()
            })
        timers.append(
            eventLoop.scheduleRepeatedTask(initialDelay: configuration.rejoinInterval, delay: configuration.rejoinInterval) {
                [self] _ in
                if let dht, dht.routingTable.entries.isEmpty { join() }
            })
    }

    /// Dials the bootstrap peers to learn their PeerIDs, then looks up our own ID and publishes our peer record.
    private func join() {
        guard !joining, dht != nil else { return }
        joining = true
        let own = transport.listenAddress
        let dials = configuration.bootstrap.filter { $0 != own }.map { address in
            transport.connect(to: address, expecting: nil).map { connection -> PeerInfo in
                PeerInfo(id: connection.remotePeerID, address: address)
            }.recover { [self] error -> PeerInfo? in
                logger.warning("bootstrap peer unreachable", metadata: ["cairn.address": "\(address)", "cairn.error": "\(error)"])
                return nil
            }
        }
        EventLoopFuture.whenAllComplete(dials, on: eventLoop).whenComplete { [self] results in
            guard dht != nil else { return }
            for case .success(let peer?) in (try? results.get()) ?? [] where peer.id != peerID {
                dht!.addKnownPeer(peer, now: WallClock.now())
            }
            let bootstrap = dht!.startQuery(.bootstrap, now: WallClock.now())
            let promise = eventLoop.makePromise(of: QueryResult.self)
            waiting[bootstrap] = promise
            promise.futureResult.whenComplete { [self] result in
                joining = false
                guard dht != nil else { return }
                if case .success(let done) = result {
                    logger.info("joined network", metadata: ["cairn.known": "\(dht!.routingTable.entries.count)",
                                                            "cairn.hops": "\(done.stats.hops)"])
                }
                let publish = dht!.startQuery(.publishPeerRecord, now: WallClock.now())
                waiting[publish] = eventLoop.makePromise(of: QueryResult.self)
                persistContacts()
                pump()
            }
            pump()
        }
    }

    private func persistContacts() {
        guard let contacts, let dht else { return }
        let entries = dht.routingTable.entries.map {
            ContactStore.Contact(peer: $0.peer, lastSeen: $0.lastSeen.date)
        }
        do {
            try contacts.replaceAll(with: entries)
        } catch {
            logger.warning("could not save contacts", metadata: ["cairn.error": "\(error)"])
        }
    }
}
