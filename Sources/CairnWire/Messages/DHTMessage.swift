/// Kademlia's four primitives (DESIGN.md §4) as Cairn asks them. FIND_VALUE comes in two flavours, one per
/// record kind, and so does STORE.
public enum DHTRequest: Hashable, Sendable {
    /// Liveness check.
    case ping
    /// FIND_NODE: the k peers the responder knows closest to the target.
    case findNode(target: Key256)
    /// FIND_VALUE for a peer record: the record if held, and the closest peers to the PeerID either way.
    case getPeerRecord(PeerID)
    /// STORE of the sender's (or anyone's, signed) peer record.
    case putPeerRecord(PeerRecord)
    /// FIND_VALUE for provider records: those held for the key, and the closest peers either way.
    case getProviders(key: Key256)
    /// STORE of a provider record.
    case addProvider(ProviderRecord)
}

public enum DHTResponse: Hashable, Sendable {
    case pong
    case nodes([PeerInfo])
    case peerRecord(PeerRecord?, closer: [PeerInfo])
    case providers([ProviderRecord], closer: [PeerInfo])
    /// The record was checked and stored.
    case stored
    /// The request was understood and refused (bad signature, expired, ...).
    case refused(String)
}

extension DHTRequest {
    /// Most peers a response may list; also bounds decoding.
    public static let maxPeersPerResponse = 64
    public static let maxRecordsPerResponse = 64
}
