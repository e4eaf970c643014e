/// A one-way message: no id, no answer, no timeout (DESIGN.md §2). The chain's gossip (transaction hashes,
/// proposals, votes, status) travels this way, and the DHT uses it to say goodbye.
///
/// A receiver acts on an announcement or drops it; it never answers, so a sender learns nothing from silence
/// and must not wait for anything.
public enum Announcement: Hashable, Sendable {
    case dht(DHTAnnouncement)
    case chain(ChainAnnouncement)
}

public enum DHTAnnouncement: Hashable, Sendable {
    /// The sender is shutting down: its contacts drop it from their routing tables at once, instead of after
    /// their next requests to it have timed out. Only the sender's authenticated PeerID counts, so no peer
    /// can make another one leave.
    case leaving
}
