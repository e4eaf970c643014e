import CairnWire

/// Why a connection or a request failed, in words a person can act on.
public enum TransportError: Error, CustomStringConvertible, Sendable {
    case frameTooLarge(Int, limit: Int)
    case handshakeTimedOut(PeerAddress?)
    case handshakeFailed(String)
    case connectionClosed(PeerID?)
    case requestTimedOut(Duration, PeerID)
    case tooManyInFlight(PeerID, limit: Int)
    case tooManyConnections(limit: Int)
    /// An accepted connection was closed at once: too many connections (in all, or from its address) are still
    /// handshaking.
    case tooManyPendingHandshakes(String)
    case unexpectedPeer(expected: PeerID, got: PeerID)
    case dialFailed(PeerAddress, String)
    case shuttingDown

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit): "frame of \(length) bytes exceeds the limit of \(limit)"
        case .handshakeTimedOut(let address): "handshake with \(address.map { "\($0)" } ?? "peer") timed out"
        case .handshakeFailed(let reason): "handshake failed: \(reason)"
        case .connectionClosed(let peer): "connection to \(peer?.shortHex ?? "peer") closed"
        case .requestTimedOut(let timeout, let peer): "request to \(peer.shortHex) got no answer within \(timeout)"
        case .tooManyInFlight(let peer, let limit): "more than \(limit) requests in flight to \(peer.shortHex)"
        case .tooManyConnections(let limit): "connection limit of \(limit) reached"
        case .tooManyPendingHandshakes(let address):
            "refused a connection from \(address): too many connections are still handshaking"
        case .unexpectedPeer(let expected, let got):
            "dialed \(expected.shortHex) but the peer proved to be \(got.shortHex)"
        case .dialFailed(let address, let reason): "cannot connect to \(address): \(reason)"
        case .shuttingDown: "the peer is shutting down"
        }
    }
}
