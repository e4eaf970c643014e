import CairnWire
import NIOCore

/// One authenticated connection to a remote peer. Matches responses to requests by id, times out
/// requests, and bounds how many requests run at once in each direction.
///
/// `@unchecked Sendable`: every mutable field is touched only on `channel.eventLoop`, which is the
/// transport's single event loop (asserted in debug builds).
public final class Connection: @unchecked Sendable {
    public let remotePeerID: PeerID
    /// The Ed25519 key the remote proved it holds in the handshake.
    public let remotePublicKey: PublicKey
    /// The address the remote peer says it listens on (signed in the handshake); nil for clients.
    public let remoteListenAddress: PeerAddress?
    public let initiatedLocally: Bool
    let channel: Channel
    private let limits: TransportLimits
    private unowned let transport: Transport

    private struct Pending {
        var promise: EventLoopPromise<Response>
        var timeout: Scheduled<Void>
    }

    private var pending: [UInt64: Pending] = [:]
    private var nextRequestID: UInt64 = 1
    private var inboundInFlight = 0
    private(set) var isClosed = false

    init(channel: Channel, remotePublicKey: PublicKey, remoteListenAddress: PeerAddress?, initiatedLocally: Bool,
         limits: TransportLimits, transport: Transport) {
        self.channel = channel
        self.remotePublicKey = remotePublicKey
        self.remotePeerID = remotePublicKey.peerID
        self.remoteListenAddress = remoteListenAddress
        self.initiatedLocally = initiatedLocally
        self.limits = limits
        self.transport = transport
    }

    var remotePeerInfo: PeerInfo? {
        remoteListenAddress.map { PeerInfo(id: remotePeerID, address: $0) }
    }

    /// Sends a request and completes with the answer, or fails on timeout or close.
    func send(_ request: Request, timeout: TimeAmount) -> EventLoopFuture<Response> {
        channel.eventLoop.assertInEventLoop()
        let loop = channel.eventLoop
        guard !isClosed else { return loop.makeFailedFuture(TransportError.connectionClosed(remotePeerID)) }
        guard pending.count < limits.maxOutboundInFlightPerPeer else {
            return loop.makeFailedFuture(
                TransportError.tooManyInFlight(remotePeerID, limit: limits.maxOutboundInFlightPerPeer))
        }
        let id = nextRequestID
        nextRequestID &+= 1
        let promise = loop.makePromise(of: Response.self)
        let peer = remotePeerID
        let scheduled = loop.scheduleTask(in: timeout) { [weak self] in
            guard let self, let entry = self.pending.removeValue(forKey: id) else { return }
            entry.promise.fail(TransportError.requestTimedOut(.nanoseconds(timeout.nanoseconds), peer))
        }
        pending[id] = Pending(promise: promise, timeout: scheduled)
        channel.writeAndFlush(WireMessage.request(id: id, request)).whenFailure { [weak self] error in
            guard let self, let entry = self.pending.removeValue(forKey: id) else { return }
            entry.timeout.cancel()
            entry.promise.fail(error)
        }
        return promise.futureResult
    }

    /// Sends a one-way message; the future completes once it is written (or fails when it cannot be).
    func announce(_ announcement: Announcement) -> EventLoopFuture<Void> {
        channel.eventLoop.assertInEventLoop()
        guard !isClosed else { return channel.eventLoop.makeFailedFuture(TransportError.connectionClosed(remotePeerID)) }
        return channel.writeAndFlush(WireMessage.announcement(announcement))
    }

    /// A decoded message arrived from the remote peer.
    func received(_ message: WireMessage) {
        switch message {
        case .announcement(let announcement):
            transport.announced(announcement, on: self)
        case .response(let id, let response):
            // An answer to nothing we asked (or already timed out) is dropped.
            guard let entry = pending.removeValue(forKey: id) else { return }
            entry.timeout.cancel()
            entry.promise.succeed(response)
        case .request(let id, let request):
            guard inboundInFlight < limits.maxInboundInFlightPerConnection else {
                let busy = RemoteError(code: .overloaded, message: "too many requests in flight; retry later")
                channel.writeAndFlush(WireMessage.response(id: id, .error(busy)), promise: nil)
                return
            }
            inboundInFlight += 1
            transport.serve(request, on: self).whenComplete { [weak self] result in
                guard let self else { return }
                self.inboundInFlight -= 1
                let response: Response
                switch result {
                case .success(let value): response = value
                case .failure(let error):
                    response = .error(RemoteError(code: .internalError, message: "\(error)"))
                }
                guard !self.isClosed else { return }
                self.channel.writeAndFlush(WireMessage.response(id: id, response), promise: nil)
            }
        }
    }

    /// Answers request `id`, which could not be decoded, with `error`.
    func refuse(_ id: UInt64, _ error: RemoteError) {
        guard !isClosed else { return }
        channel.writeAndFlush(WireMessage.response(id: id, .error(error)), promise: nil)
    }

    /// The channel closed: every outstanding request fails.
    func closed() {
        guard !isClosed else { return }
        isClosed = true
        let outstanding = pending
        pending.removeAll()
        for entry in outstanding.values {
            entry.timeout.cancel()
            entry.promise.fail(TransportError.connectionClosed(remotePeerID))
        }
    }

    public func close() {
        channel.close(promise: nil)
    }
}
