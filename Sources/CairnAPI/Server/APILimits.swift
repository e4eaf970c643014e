import NIOCore

/// How many connections the local API holds and for how long (issue 6, item 9): without bounds, connections
/// that trickle half a request line stay open for ever and use up the process's file descriptors, which the
/// shard store and the peer transport need too.
public struct APILimits: Sendable {
    /// Connections open at once. Past it, a newcomer takes the place of the connection that has waited longest
    /// for a request (at least `evictionGrace`); when every connection is busy, it is answered 503 and closed.
    public var maxConnections = 256
    /// Time from a connection's opening until its first request head must have arrived.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// Time a connection may send nothing while its request body is read, and between two requests.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Time a new connection is given to send its request before a newcomer may take its place.
    public var evictionGrace: TimeAmount = .seconds(1)

    public init(
        maxConnections: Int = 256, headerTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60)
    ) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.evictionGrace = min(.seconds(1), .nanoseconds(headerTimeout.nanoseconds / 2))
    }
}
