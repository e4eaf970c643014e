import CairnWire

/// A snapshot of one k-bucket: the peers that share exactly `index` leading bits with the local ID, at most
/// k of them, least recently seen first.
///
/// Kademlia keeps old contacts over new ones (long-lived peers tend to stay), so a newcomer that finds the
/// bucket full waits as `pending` while the least-recently-seen entry is pinged: a pong keeps the old entry
/// and drops the newcomer, a failure evicts the old entry and lets the newcomer in.
public struct KBucket: Hashable, Sendable {
    public var index: Int
    /// Least recently seen first.
    public var entries: [RoutingTableEntry]
    /// A newcomer waiting on the liveness ping of `awaiting`.
    public var pending: Pending?
    /// Last time a lookup targeted a key in this bucket's range.
    public var lastRefreshed: Instant

    /// A newcomer held back because the bucket was full.
    public struct Pending: Hashable, Sendable {
        public var entry: RoutingTableEntry
        /// The least-recently-seen peer whose ping decides the newcomer's fate.
        public var awaiting: PeerID
    }
}
