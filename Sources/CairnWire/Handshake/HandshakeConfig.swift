/// What one side brings to a handshake.
public struct HandshakeConfig: Sendable {
    /// This peer's long-term key; it signs the transcript.
    public var identity: Identity
    /// The network's genesis hash. Peers of different networks refuse each other at the first message.
    public var networkID: Key256
    /// S/Kademlia puzzle difficulty the remote PeerID must meet (`Puzzle.isSolved`); 0 accepts any.
    public var puzzleBits: Int
    /// Where this peer accepts connections, told to the other side; nil for a peer that only dials out.
    public var advertisedAddress: PeerAddress?

    public init(identity: Identity, networkID: Key256, puzzleBits: Int, advertisedAddress: PeerAddress?) {
        self.identity = identity
        self.networkID = networkID
        self.puzzleBits = puzzleBits
        self.advertisedAddress = advertisedAddress
    }
}
