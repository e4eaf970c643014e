import CairnWire

/// Why a record was not stored. The node sends the description back in `DHTResponse.refused`.
public enum RecordRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The signature does not verify, the record is past its expiry or lists too many addresses.
    case invalidPeerRecord(PeerID)
    case invalidProviderRecord(key: Key256, provider: PeerID)
    /// The store already holds a record for this peer issued at the same time or later.
    case stalePeerRecord(PeerID)
    /// Every provider slot for the key is taken by a record that expires later than this one.
    case providersFull(key: Key256, limit: Int)

    public var description: String {
        switch self {
        case .invalidPeerRecord(let peer):
            "peer record for \(peer.shortHex) has a bad signature, has expired or lists too many addresses"
        case .invalidProviderRecord(let key, let provider):
            "provider record of \(provider.shortHex) for key \(key.shortHex) has a bad signature, has expired "
                + "or lists too many addresses"
        case .stalePeerRecord(let peer):
            "a peer record for \(peer.shortHex) issued at the same time or later is already stored"
        case .providersFull(let key, let limit):
            "key \(key.shortHex) already has \(limit) providers that expire later"
        }
    }
}
