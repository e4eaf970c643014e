import CairnWire

/// What a caller can ask the DHT to do. Each runs as one iterative lookup, sometimes followed by STOREs.
public enum DHTQuery: Hashable, Sendable {
    /// Iterative FIND_NODE: the k live peers closest to the key.
    case closestPeers(Key256)
    /// FIND_VALUE of the peer's record. Also done as soon as the peer itself answers or a response lists it.
    case findPeer(PeerID)
    /// FIND_VALUE of the peer's signed record, which carries its public key (a peer serves its own): unlike
    /// `findPeer` it goes on past an address until a record that checks out arrives, or the lookup ends.
    case findPeerRecord(PeerID)
    /// FIND_VALUE of provider records: collects from every responder and finishes when the lookup does.
    case getProviders(Key256)
    /// A lookup, then STORE of this node's signed provider record at the k closest peers.
    case provide(Key256)
    /// A lookup of the node's own ID, then STORE of its signed peer record at the k closest peers.
    case publishPeerRecord
    /// Join: a lookup of the node's own ID, then a refresh of every bucket farther than its closest neighbour.
    case bootstrap
}
