import CairnWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The SwiftNIO transport: listens, dials, keeps one authenticated connection per remote peer and
/// carries requests over them.
///
/// `@unchecked Sendable`: all mutable state lives on `eventLoop` (the transport binds and dials with that
/// single loop, so every channel's handlers run there too) and public entry points hop onto it, except the
/// listen address, which callers on any thread read through a lock.
public final class Transport: @unchecked Sendable {
    /// Serves one request from a remote peer. `from` is the remote's listen address when it has one.
    public typealias RequestHandler = @Sendable (Request, _ from: PeerInfo?, _ remote: PeerID) -> EventLoopFuture<Response>

    /// Takes one announcement from the authenticated peer `from`; nothing is answered.
    public typealias AnnouncementHandler = @Sendable (Announcement, _ from: PeerID) -> Void

    public let eventLoop: EventLoop
    public let limits: TransportLimits
    public let localPeerID: PeerID
    private let logger: Logger
    /// The address we listen on, once bound; written on the loop, read from any thread.
    private let boundAddress = NIOLockedValueBox<PeerAddress?>(nil)

    // Touched on `eventLoop` only.
    private var handshakeConfig: HandshakeConfig
    private var requestHandler: RequestHandler?
    private var announcementHandler: AnnouncementHandler?
    /// Accepted connections still handshaking, keyed by channel, counted per remote IP.
    private var pendingHandshakes: PendingHandshakes<ObjectIdentifier>

    private var serverChannel: Channel?
    /// The newest live connection to each peer; older duplicates stay open until idle.
    private var connections: [PeerID: Connection] = [:]
    private var allConnections: [ObjectIdentifier: Connection] = [:]
    private var dialsInProgress: [PeerID: EventLoopFuture<Connection>] = [:]
    private var isShuttingDown = false

    public init(eventLoop: EventLoop, handshakeConfig: HandshakeConfig, limits: TransportLimits = TransportLimits(),
                logger: Logger) {
        self.eventLoop = eventLoop
        self.handshakeConfig = handshakeConfig
        self.localPeerID = handshakeConfig.identity.peerID
        self.limits = limits
        self.logger = logger
        self.pendingHandshakes = PendingHandshakes(
            maxTotal: limits.maxPendingHandshakes, maxPerAddress: limits.maxPendingHandshakesPerAddress)
    }

    /// Sets the function that answers remote requests. Call before `listen`: the handler is stored on the event
    /// loop, in a task queued ahead of the bind, so every request accepted after it is served by it.
    public func setRequestHandler(_ handler: @escaping RequestHandler) {
        if eventLoop.inEventLoop {
            requestHandler = handler
        } else {
            eventLoop.execute { [self] in requestHandler = handler }
        }
    }

    /// Sets the function that takes announcements; like `setRequestHandler`, call it before `listen`.
    public func setAnnouncementHandler(_ handler: @escaping AnnouncementHandler) {
        if eventLoop.inEventLoop {
            announcementHandler = handler
        } else {
            eventLoop.execute { [self] in announcementHandler = handler }
        }
    }

    /// Binds the listener; returns the bound address (useful with port 0) and advertises it to peers.
    public func listen(host: String, port: Int) -> EventLoopFuture<PeerAddress> {
        let bootstrap = ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in accept(channel) }
        return bootstrap.bind(host: host, port: port).flatMapThrowing { [self] channel in
            eventLoop.assertInEventLoop()
            serverChannel = channel
            let boundPort = UInt16(channel.localAddress?.port ?? port)
            let address = PeerAddress(host: host, port: boundPort)
            handshakeConfig.advertisedAddress = address
            boundAddress.withLockedValue { $0 = address }
            return address
        }
    }

    /// The address we listen on and advertise to peers; nil until `listen` has bound. Safe from any thread.
    public var listenAddress: PeerAddress? { boundAddress.withLockedValue { $0 } }

    /// Sends `request` to `peer`, dialing it first if needed; fails after `timeout`.
    public func request(_ request: Request, to peer: PeerInfo, timeout: TimeAmount) -> EventLoopFuture<Response> {
        eventLoop.flatSubmit { [self] in
            connection(to: peer).flatMap { $0.send(request, timeout: timeout) }
        }
    }

    /// Sends a one-way `announcement` to `peer`, dialing it first if needed; completes once it is written.
    public func announce(_ announcement: Announcement, to peer: PeerInfo) -> EventLoopFuture<Void> {
        eventLoop.flatSubmit { [self] in
            connection(to: peer).flatMap { $0.announce(announcement) }
        }
    }

    /// Sends `request` over an established connection.
    public func request(_ request: Request, over connection: Connection, timeout: TimeAmount) -> EventLoopFuture<Response> {
        eventLoop.flatSubmit { connection.send(request, timeout: timeout) }
    }

    /// An open connection to `peer`, reusing a live one or joining a dial in progress.
    func connection(to peer: PeerInfo) -> EventLoopFuture<Connection> {
        eventLoop.assertInEventLoop()
        if let existing = connections[peer.id], !existing.isClosed { return eventLoop.makeSucceededFuture(existing) }
        if let dial = dialsInProgress[peer.id] { return dial }
        let dial = connect(to: peer.address, expecting: peer.id)
        dialsInProgress[peer.id] = dial
        dial.whenComplete { [self] _ in dialsInProgress[peer.id] = nil }
        return dial
    }

    /// Dials `address`; when `expecting` is set, a remote that proves another PeerID is refused.
    public func connect(to address: PeerAddress, expecting: PeerID?) -> EventLoopFuture<Connection> {
        eventLoop.flatSubmit { [self] in
            guard !isShuttingDown else { return eventLoop.makeFailedFuture(TransportError.shuttingDown) }
            guard allConnections.count < limits.maxConnections else {
                return eventLoop.makeFailedFuture(TransportError.tooManyConnections(limit: limits.maxConnections))
            }
            let promise = eventLoop.makePromise(of: Connection.self)
            let bootstrap = ClientBootstrap(group: eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(limits.connectTimeout)
                .channelInitializer { [self] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.configure(channel: channel, initiator: true, expectedPeer: expecting, dialPromise: promise)
                    }
                }
            bootstrap.connect(host: address.host, port: Int(address.port)).whenFailure { error in
                promise.fail(TransportError.dialFailed(address, "\(error)"))
            }
            return promise.futureResult
        }
    }

    /// Sets up a connection the listener accepted, or refuses it (a failed future: NIO closes it at once) when
    /// `limits.maxPendingHandshakes` connections are still handshaking, or `limits.maxPendingHandshakesPerAddress`
    /// from its IP address. Its slot is freed when its handshake completes (`register`) or it closes.
    func accept(_ channel: Channel) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        guard !isShuttingDown, pendingHandshakes.admit(id, from: address) else {
            logger.debug("refusing connection: too many handshakes pending", metadata: ["cairn.conn": "\(address)"])
            return eventLoop.makeFailedFuture(TransportError.tooManyPendingHandshakes(address))
        }
        channel.closeFuture.whenComplete { [self] _ in pendingHandshakes.release(id) }
        return eventLoop.makeCompletedFuture {
            try configure(channel: channel, initiator: false, expectedPeer: nil, dialPromise: nil)
        }
    }

    /// Accepted connections that have not finished the handshake yet. On the event loop only.
    var pendingHandshakeCount: Int {
        eventLoop.assertInEventLoop()
        return pendingHandshakes.count
    }

    func configure(
        channel: Channel, initiator: Bool, expectedPeer: PeerID?, dialPromise: EventLoopPromise<Connection>?
    ) throws {
        eventLoop.assertInEventLoop()
        var connectionLogger = logger
        connectionLogger[metadataKey: "cairn.conn"] = "\(channel.remoteAddress.map { "\($0)" } ?? "?")"
        let phase = ConnectionPhase()
        let handlers: [ChannelHandler] = [
            IdleStateHandler(allTimeout: limits.idleTimeout),
            LengthPrefixedFrameDecoder.handler(phase: phase),
            SecureChannelHandler(
                initiator: initiator, config: handshakeConfig, expectedPeer: expectedPeer, dialPromise: dialPromise,
                transport: self, limits: limits, phase: phase, logger: connectionLogger),
        ]
        try channel.pipeline.syncOperations.addHandlers(handlers)
    }

    /// Called by the channel handler once a handshake completes; false refuses the connection.
    func register(_ connection: Connection) -> Bool {
        eventLoop.assertInEventLoop()
        pendingHandshakes.release(ObjectIdentifier(connection.channel))
        guard !isShuttingDown, allConnections.count < limits.maxConnections else { return false }
        allConnections[ObjectIdentifier(connection)] = connection
        connections[connection.remotePeerID] = connection
        return true
    }

    func connectionClosed(_ connection: Connection) {
        eventLoop.assertInEventLoop()
        allConnections[ObjectIdentifier(connection)] = nil
        if connections[connection.remotePeerID] === connection {
            connections[connection.remotePeerID] = nil
        }
    }

    /// Hands a remote request to the request handler.
    func serve(_ request: Request, on connection: Connection) -> EventLoopFuture<Response> {
        eventLoop.assertInEventLoop()
        guard let handler = requestHandler else {
            return eventLoop.makeSucceededFuture(
                .error(RemoteError(code: .internalError, message: "peer is not ready to serve requests")))
        }
        return handler(request, connection.remotePeerInfo, connection.remotePeerID)
    }

    /// Hands a remote announcement to the announcement handler; dropped when there is none.
    func announced(_ announcement: Announcement, on connection: Connection) {
        eventLoop.assertInEventLoop()
        announcementHandler?(announcement, connection.remotePeerID)
    }

    /// Authenticated connections open now, counted on the event loop.
    public func connectionCount() -> EventLoopFuture<Int> {
        eventLoop.submit { [self] in allConnections.count }
    }

    /// Stops listening and closes every connection.
    public func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit { [self] in
            isShuttingDown = true
            var closes: [EventLoopFuture<Void>] = []
            if let server = serverChannel { closes.append(server.close().recover { _ in }) }
            for connection in allConnections.values {
                closes.append(connection.channel.close().recover { _ in })
            }
            return EventLoopFuture.andAllComplete(closes, on: eventLoop)
        }
    }
}
