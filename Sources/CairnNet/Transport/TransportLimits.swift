import NIOCore

/// Resource limits of one peer's transport. Defaults suit a home machine serving a few hundred peers.
public struct TransportLimits: Sendable {
    public var maxConnections = 512
    /// Requests we may have outstanding to one peer at once.
    public var maxOutboundInFlightPerPeer = 256
    /// Requests a peer may have outstanding with us at once; more are answered `overloaded`.
    public var maxInboundInFlightPerConnection = 256
    public var handshakeTimeout: TimeAmount = .seconds(10)
    public var idleTimeout: TimeAmount = .seconds(120)
    public var connectTimeout: TimeAmount = .seconds(5)

    public init() {}
}
