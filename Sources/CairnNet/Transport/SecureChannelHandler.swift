import CairnWire
import Logging
import NIOCore

/// Runs the authenticated key exchange on a fresh TCP connection, then seals every outgoing frame and decodes
/// every incoming one (which the frame decoder opened with the session's receiving half). Anything malformed, oversized or unauthenticated closes this connection only.
final class SecureChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = WireMessage
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case handshaking(HandshakeStateMachine)
        case established(SecureSession, Connection)
        case closed
    }

    private var state: State = .idle
    private let isInitiator: Bool
    private let handshakeConfig: HandshakeConfig
    private let expectedPeer: PeerID?
    private let dialPromise: EventLoopPromise<Connection>?
    private let transport: Transport
    private let limits: TransportLimits
    /// Shared with this connection's frame decoder, which allows session-sized frames once it is set.
    private let phase: ConnectionPhase
    private var logger: Logger
    private var handshakeTimeout: Scheduled<Void>?

    init(initiator: Bool, config: HandshakeConfig, expectedPeer: PeerID?, dialPromise: EventLoopPromise<Connection>?,
         transport: Transport, limits: TransportLimits, phase: ConnectionPhase, logger: Logger) {
        self.isInitiator = initiator
        self.handshakeConfig = config
        self.expectedPeer = expectedPeer
        self.dialPromise = dialPromise
        self.transport = transport
        self.limits = limits
        self.phase = phase
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard case .idle = state else { return }
        let channel = context.channel
        handshakeTimeout = context.eventLoop.scheduleTask(in: limits.handshakeTimeout) {
            channel.close(promise: nil)
        }
        if isInitiator {
            let (machine, first) = HandshakeStateMachine.initiator(config: handshakeConfig, expectedPeer: expectedPeer)
            state = .handshaking(machine)
            writeFrame(first, context: context)
        } else {
            state = .handshaking(HandshakeStateMachine.responder(config: handshakeConfig))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch state {
        case .idle, .closed:
            return
        case .handshaking(var machine):
            guard frame.readableBytes <= FrameLimits.maxHandshakeMessageLength else {
                fail(context: context, TransportError.handshakeFailed("handshake message of \(frame.readableBytes) bytes is too large"))
                return
            }
            do {
                let action = try machine.receive(Array(frame.readableBytesView))
                state = .handshaking(machine)
                switch action {
                case .send(let bytes):
                    writeFrame(bytes, context: context)
                case .sendAndComplete(let bytes, let result):
                    writeFrame(bytes, context: context)
                    established(result, context: context)
                case .complete(let result):
                    established(result, context: context)
                }
            } catch {
                fail(context: context, TransportError.handshakeFailed("\(error)"))
            }
        case .established(_, let connection):
            // The frame decoder opened the frame (`ConnectionPhase.opening`): this is its plaintext.
            var plaintext = frame
            let message: WireMessage
            do {
                message = try WireCodec.decode(&plaintext)
            } catch let unknown as WireError {
                // A request this version does not know: answered, and the connection serves on.
                guard case .unsupportedRequest(let id, _, _) = unknown else { return fail(context: context, unknown) }
                connection.refuse(id, RemoteError(code: .badRequest, message: "\(unknown)"))
                return
            } catch {
                fail(context: context, error)
                return
            }
            connection.received(message)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        seal(context: context, promise: promise, capacity: 256 + message.bulkByteCount) {
            WireCodec.encode(message, into: &$0)
        }
    }

    /// Seals the payload `encode` writes as one frame and writes it (tests send payloads no message encodes to).
    func seal(
        context: ChannelHandlerContext, promise: EventLoopPromise<Void>?, capacity: Int = 256,
        _ encode: (inout ByteBuffer) -> Void
    ) {
        guard case .established(var session, let connection) = state else {
            promise?.fail(TransportError.connectionClosed(nil))
            return
        }
        // Encoded after room for the length prefix and sealed where it lies: one buffer per frame.
        var frame = context.channel.allocator.buffer(
            capacity: FrameLimits.lengthPrefixByteCount + capacity + FrameLimits.sealOverhead)
        frame.writeInteger(UInt32(0))
        encode(&frame)
        do {
            try session.sealInPlace(&frame)
        } catch {
            state = .established(session, connection)
            promise?.fail(error)
            return
        }
        state = .established(session, connection)
        context.write(wrapOutboundOut(frame), promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        if case .established(_, let connection) = state {
            connection.closed()
            transport.connectionClosed(connection)
        } else {
            dialPromise?.fail(TransportError.connectionClosed(expectedPeer))
        }
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            logger.debug("closing idle connection")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func established(_ result: HandshakeResult, context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        handshakeTimeout = nil
        let connection = Connection(
            channel: context.channel, remotePublicKey: result.remotePublicKey, remoteListenAddress: result.remoteAddress,
            initiatedLocally: isInitiator, limits: limits, transport: transport)
        state = .established(result.session, connection)
        logger[metadataKey: "cairn.remote"] = "\(result.remotePeerID.shortHex)"
        guard transport.register(connection) else {
            fail(context: context, TransportError.tooManyConnections(limit: limits.maxConnections))
            return
        }
        // Frames that follow in the buffer (a request sent right after m3) are decoded with the session limit.
        phase.handshakeCompleted(opening: result.session)
        dialPromise?.succeed(connection)
    }

    private func fail(context: ChannelHandlerContext, _ error: Error) {
        logger.debug("closing connection", metadata: ["cairn.error": "\(error)"])
        dialPromise?.fail(error)
        context.close(promise: nil)
    }

    private func writeFrame(_ bytes: [UInt8], context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 4)
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
