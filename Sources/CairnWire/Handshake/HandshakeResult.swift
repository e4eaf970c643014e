/// Who is on the other end of a finished handshake, and the keys to talk to it.
public struct HandshakeResult: Sendable {
    /// The remote peer's Ed25519 key; it signed this handshake's transcript.
    public var remotePublicKey: PublicKey
    /// SHA-256 of `remotePublicKey`.
    public var remotePeerID: PeerID
    /// The listen address the remote peer advertised. A claim, not a fact: the driver may prefer the observed IP.
    public var remoteAddress: PeerAddress?
    /// Frame protection for the rest of the connection.
    public var session: SecureSession

    public init(remotePublicKey: PublicKey, remoteAddress: PeerAddress?, session: SecureSession) {
        self.remotePublicKey = remotePublicKey
        self.remotePeerID = remotePublicKey.peerID
        self.remoteAddress = remoteAddress
        self.session = session
    }
}
