import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel behind the API's limits: each accepted connection is admitted by the
/// limiter (or refused with a 503), bounded by the header timeout before its first request and by the idle
/// timeout after.
struct LimitedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limiter: APIConnectionLimiter

    init(responder: @escaping HTTPChannelHandler.Responder, limiter: APIConnectionLimiter) {
        let limits = limiter.limits
        self.limiter = limiter
        self.base = HTTP1Channel(
            responder: responder,
            configuration: .init(
                additionalChannelHandlers: [
                    APIConnectionHandler(limiter: limiter, headerTimeout: limits.headerTimeout)
                ],
                idleTimeout: limits.idleTimeout))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        if !limiter.admit(channel) {
            // First in the pipeline, it answers before any HTTP handler sees a byte.
            do {
                try channel.pipeline.syncOperations.addHandler(RefusedConnectionHandler(limiter: limiter))
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with the API's connection cap and timeouts.
    static func limitedHTTP1(_ limiter: APIConnectionLimiter) -> HTTPServerBuilder {
        .init { responder in LimitedHTTP1Channel(responder: responder, limiter: limiter) }
    }
}
