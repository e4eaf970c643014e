import NIOCore

/// Resource limits of one peer's transport. Defaults suit a home machine serving a few hundred peers.
public struct TransportLimits: Sendable {
    public var maxConnections = 512
    /// Requests we may have outstanding to one peer at once.
    public var maxOutboundInFlightPerPeer = 256
    /// Requests a peer may have outstanding with us at once; more are answered `overloaded`.
    public var maxInboundInFlightPerConnection = 256
    /// Accepted connections that have not finished the handshake, from all addresses together; more are closed
    /// as soon as they are accepted. Until it proves who it is, a connection holds at most one handshake frame
    /// (425 bytes with its prefix) plus one socket read (NIO reads at most 64 KiB at a time), for at most
    /// `handshakeTimeout`; 64 of them bound what strangers can pin to about 4 MiB, while 64 honest peers can still
    /// dial us in the same instant (a handshake takes one round trip, milliseconds).
    public var maxPendingHandshakes = 64
    /// Accepted connections still handshaking from one IP address. An honest peer dials us once at a time; 8 leave
    /// room for a few peers behind one NAT, while one address cannot take all `maxPendingHandshakes` slots and
    /// shut everyone else out.
    public var maxPendingHandshakesPerAddress = 8
    /// How long a connection may take to finish the handshake before it is closed; applies to both directions.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    public var idleTimeout: TimeAmount = .seconds(120)
    public var connectTimeout: TimeAmount = .seconds(5)

    public init() {}
}
