import CairnWire

/// The result a finished query delivers.
public enum QueryOutcome: Hashable, Sendable {
    /// Sorted by distance to the key, at most k; includes the local peer when it is among the k closest.
    case closestPeers(Key256, [PeerInfo])
    /// The peer's addresses, or nil when nobody knew them.
    case peerFound(PeerID, [PeerAddress]?)
    /// The peer's record, signed by its key and unexpired, or nil when no peer the lookup asked had one.
    case peerRecord(PeerID, PeerRecord?)
    /// Every valid provider record the lookup met, one per provider, ordered by provider ID.
    case providers(Key256, [ProviderRecord])
    /// How many peers accepted the record (the local peer counts when it is among the k closest).
    /// `closest`: the k peers the lookup found nearest the key (this peer included when near), where the record
    /// was stored — callers that keep more under the same key reuse them instead of looking up again.
    case provided(Key256, storedAt: Int, closest: [PeerInfo])
    /// How many peers accepted the record (the local peer counts when it is among the k closest).
    case peerRecordPublished(storedAt: Int)
    /// Routing-table size once the join and its bucket refreshes are done.
    case bootstrapped(peersKnown: Int)
}
