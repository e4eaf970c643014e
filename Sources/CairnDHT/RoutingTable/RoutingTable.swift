/// Kademlia's routing table as plain data (rust-libp2p `kbucket/`): buckets indexed by the length of the
/// prefix a peer shares with the local ID. It decides; the node carries out the pings it asks for.
///
/// Only buckets up to the highest one touched exist: in a network of N peers about log2(N) of the 256 can
/// hold anyone, and the simulator keeps thousands of tables in memory.
public struct RoutingTable: Sendable {
    public let localID: PeerID
    /// k: most entries per bucket.
    public let bucketSize: Int
    /// `buckets[i]` holds the peers whose ID shares exactly i leading bits with `localID`.
    public private(set) var buckets: [KBucket]
    /// Number of entries (pending newcomers not included).
    public private(set) var count: Int
    private let created: Instant

    /// What `update` did with a peer.
    public enum UpdateResult: Hashable, Sendable {
        /// Added at the tail of its bucket.
        case inserted
        /// Already present: moved to the tail, `lastSeen` and address refreshed.
        case updated
        /// The bucket is full: the peer waits while the driver pings this least-recently-seen entry.
        case pending(ping: PeerInfo)
        /// The bucket is full and already has a newcomer waiting: the peer is not kept.
        case full
        /// The local peer never enters its own table.
        case local
    }

    public init(localID: PeerID, bucketSize: Int = 20, now: Instant) {
        precondition(bucketSize > 0, "a k-bucket must hold at least one peer")
        self.localID = localID
        self.bucketSize = bucketSize
        self.buckets = []
        self.count = 0
        self.created = now
    }

    /// The bucket a peer or key belongs in; nil for the local ID itself.
    public func bucketIndex(for key: Key256) -> Int? {
        let index = localID.commonPrefixLength(with: key)
        return index < Key256.byteCount * 8 ? index : nil
    }

    public func entry(for id: PeerID) -> RoutingTableEntry? {
        guard let b = bucketIndex(for: id), b < buckets.count, let i = buckets[b].index(of: id) else { return nil }
        return buckets[b].entries[i]
    }

    public func contains(_ id: PeerID) -> Bool { entry(for: id) != nil }

    /// Every entry, nearest bucket first.
    public var entries: [RoutingTableEntry] {
        buckets.reversed().flatMap(\.entries)
    }

    /// Index of the highest non-empty bucket: where the closest known neighbour lives. Nil when empty.
    public var closestNeighbourBucket: Int? {
        buckets.lastIndex { !$0.entries.isEmpty }
    }

    /// The peer answered or sent a request at `now`: it becomes the most recently seen of its bucket.
    @discardableResult
    public mutating func update(_ peer: PeerInfo, seenAt now: Instant) -> UpdateResult {
        guard let b = bucketIndex(for: peer.id) else { return .local }
        grow(to: b)
        if let i = buckets[b].index(of: peer.id) {
            var entry = buckets[b].entries.remove(at: i)
            entry.peer = peer
            entry.lastSeen = now
            entry.consecutiveFailures = 0
            buckets[b].entries.append(entry)
            // The least-recently-seen entry proved alive: the waiting newcomer loses.
            if buckets[b].pending?.awaiting == peer.id { buckets[b].pending = nil }
            return .updated
        }
        let entry = RoutingTableEntry(peer: peer, lastSeen: now)
        if buckets[b].entries.count < bucketSize {
            if buckets[b].entries.isEmpty { buckets[b].entries.reserveCapacity(bucketSize) }
            buckets[b].entries.append(entry)
            count += 1
            if buckets[b].pending?.entry.peer.id == peer.id { buckets[b].pending = nil }
            return .inserted
        }
        if var pending = buckets[b].pending {
            if pending.entry.peer.id == peer.id {
                pending.entry = entry
                buckets[b].pending = pending
            }
            return .full
        }
        let oldest = buckets[b].entries[0].peer
        buckets[b].pending = KBucket.Pending(entry: entry, awaiting: oldest.id)
        return .pending(ping: oldest)
    }

    /// Removes a peer (it failed). A newcomer waiting in its bucket takes the free place.
    @discardableResult
    public mutating func remove(_ id: PeerID) -> RoutingTableEntry? {
        guard let b = bucketIndex(for: id), b < buckets.count else { return nil }
        if buckets[b].pending?.entry.peer.id == id {
            buckets[b].pending = nil
            return nil
        }
        guard let i = buckets[b].index(of: id) else { return nil }
        let removed = buckets[b].entries.remove(at: i)
        count -= 1
        if let pending = buckets[b].pending {
            buckets[b].pending = nil
            buckets[b].entries.append(pending.entry)
            count += 1
        }
        return removed
    }

    /// Counts a failed request to `id`; the peer leaves the table once `limit` have failed in a row.
    /// Returns true when it was removed.
    @discardableResult
    public mutating func recordFailure(of id: PeerID, limit: Int) -> Bool {
        guard let b = bucketIndex(for: id), b < buckets.count else { return false }
        if buckets[b].pending?.entry.peer.id == id {
            buckets[b].pending = nil
            return false
        }
        guard let i = buckets[b].index(of: id) else { return false }
        buckets[b].entries[i].consecutiveFailures += 1
        guard buckets[b].entries[i].consecutiveFailures >= limit else { return false }
        remove(id)
        return true
    }

    /// Notes that a lookup targeted a key in bucket `index`, so that bucket need not be refreshed yet.
    public mutating func markRefreshed(bucket index: Int, now: Instant) {
        guard index >= 0, index < Key256.byteCount * 8 else { return }
        grow(to: index)
        buckets[index].lastRefreshed = now
    }

    /// When a lookup last targeted bucket `index` (the table's creation time if never).
    public func lastRefreshed(bucket index: Int) -> Instant {
        index < buckets.count ? buckets[index].lastRefreshed : created
    }

    private mutating func grow(to index: Int) {
        while buckets.count <= index { buckets.append(KBucket(lastRefreshed: created)) }
    }
}
