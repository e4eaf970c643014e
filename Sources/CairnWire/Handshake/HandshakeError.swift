/// Why a handshake was refused. The connection is closed; each case says what the remote peer got wrong.
public enum HandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The bytes are not a handshake message of the expected shape.
    case malformed(String)
    case unsupportedVersion(UInt8)
    /// The initiator's network ID (genesis hash) is not ours.
    case wrongNetwork
    /// The transcript signature does not verify under the public key the peer presented.
    case badSignature
    /// The peer signed, but cannot prove it holds this handshake's Diffie-Hellman secret: a relayed or
    /// spliced handshake.
    case keyConfirmationFailed
    /// The peer's ephemeral key is a low-order point, which would give a known shared secret.
    case weakEphemeralKey
    case puzzleNotSolved(PeerID)
    /// We dialled a known peer, and someone else answered.
    case unexpectedPeer(expected: PeerID, got: PeerID)
    /// The other end has our own identity: we dialled ourselves.
    case connectedToSelf
    /// A message arrived that this side does not expect now (wrong step, or after the end).
    case unexpectedMessage

    public var description: String {
        switch self {
        case .malformed(let reason):
            "handshake message malformed: \(reason)"
        case .unsupportedVersion(let version):
            "the peer speaks handshake version \(version), but this program speaks version "
                + "\(HandshakeMessages.version); upgrade the older of the two"
        case .wrongNetwork:
            "the peer belongs to another Cairn network (its genesis hash differs); check the bootstrap address"
        case .badSignature:
            "the peer's handshake signature does not verify: it claims a key it cannot sign for"
        case .keyConfirmationFailed:
            "the peer could not prove it took part in this key exchange; the handshake was relayed or tampered with"
        case .weakEphemeralKey:
            "the peer sent a weak (low-order) ephemeral key"
        case .puzzleNotSolved(let peer):
            "peer \(peer.shortHex) has not solved the identity puzzle this network requires"
        case .unexpectedPeer(let expected, let got):
            "dialled peer \(expected.shortHex) but \(got.shortHex) answered; the address book is stale or the "
                + "connection is intercepted"
        case .connectedToSelf:
            "connected to ourselves; drop this address from the peer list"
        case .unexpectedMessage:
            "the peer sent a handshake message out of turn"
        }
    }
}
