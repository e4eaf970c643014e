import NIOCore
import NIOHTTPTypes

/// Sits after the HTTP decoder of every API connection: closes a connection whose first request head has not
/// arrived within the header timeout (a client that trickles its request line holds a descriptor for nothing),
/// and tells the limiter when requests start and finish so that it knows who is idle.
///
/// Between requests and while a body is read, Hummingbird's own idle timeout closes a silent connection; this
/// handler bounds the time before the first request, which that timer would let run to the full idle timeout.
final class APIConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limiter: APIConnectionLimiter
    private let headerTimeout: TimeAmount
    private var headerTimer: Scheduled<Void>?
    private var sawFirstHead = false

    init(limiter: APIConnectionLimiter, headerTimeout: TimeAmount) {
        self.limiter = limiter
        self.headerTimeout = headerTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        headerTimer = context.eventLoop.scheduleTask(in: headerTimeout) {
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        headerTimer?.cancel()
        headerTimer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            if !sawFirstHead {
                sawFirstHead = true
                headerTimer?.cancel()
                headerTimer = nil
            }
            limiter.requestStarted(context.channel)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            limiter.requestFinished(context.channel)
        }
        context.write(data, promise: promise)
    }
}

/// The whole pipeline of a connection refused at the cap: answers 503 at once, whatever the client sends,
/// half-closes, and closes a moment later (or at once when the client is done) so that the answer is read
/// rather than lost to a reset.
final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let limiter: APIConnectionLimiter
    private var answered = false
    private var lingering = false

    init(limiter: APIConnectionLimiter) {
        self.limiter = limiter
    }

    static func answer(limit: Int) -> ByteBuffer {
        let body = "{\"error\":\"the API has its maximum of \(limit) connections open, all of them busy; try again "
            + "shortly\"}\n"
        return ByteBuffer(string: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + body)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { respond(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        respond(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Whatever the client sends is dropped: it is not served.
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if lingering {
            lingering = false
            limiter.stopLingering()
        }
    }

    private func respond(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        guard limiter.startLingering() else {
            context.close(promise: nil)
            return
        }
        lingering = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(Self.answer(limit: limiter.limits.maxConnections))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .milliseconds(250)) { channel.close(promise: nil) }
        }
    }
}
