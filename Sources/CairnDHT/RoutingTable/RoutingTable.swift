import CairnWire

/// Kademlia's routing table as plain data (rust-libp2p `kbucket/`): k-buckets indexed by the length of the
/// prefix a peer shares with the local ID. It decides; the node carries out the pings it asks for.
///
/// Layout: every entry sits in one array, bucket after bucket from the highest index down to 0. The simulator
/// keeps 10^5 tables and answers hundreds of millions of requests, each of which reads a random table: one
/// buffer instead of one per bucket saves a cache miss per bucket, and with this order the buckets nearer
/// than a key's own are one contiguous run. Only buckets up to the highest one touched exist (about log2(N)
/// of the 256 can hold anyone in a network of N).
///
/// Within a bucket, entries stay where they were inserted; the least-recently-seen order is kept by a stamp
/// per entry (a counter of updates), and readers that want that order sort by it. Every request and answer
/// updates its peer, and moving the entry to the bucket's tail instead rewrote half a bucket each time.
public struct RoutingTable: Sendable {
    /// The owner of the table; buckets are numbered by the prefix length a peer shares with it.
    public let localID: PeerID
    /// k: most entries per bucket.
    public let bucketSize: Int
    /// An entry of the neighbourhood (`neighbourhood`) heard from within this time is taken to be alive: a
    /// newcomer to its full bucket is dropped without a ping. Zero pings on every newcomer, as in the
    /// Kademlia paper.
    public let livenessInterval: Duration
    /// The same for the buckets below the neighbourhood (BEP 5's 15 minutes before a node is
    /// "questionable" in `DHTConfig`); `livenessInterval` unless given.
    public let questionableInterval: Duration
    private let created: Instant
    /// All entries, bucket `bounds.count - 1` first and bucket 0 last.
    private var slots: [RoutingTableEntry] = []
    /// Per entry of `slots`, at the same index: every request and answer looks its peer up in a bucket, and
    /// scanning these reads 16 bytes an entry instead of 64 (a cache line each).
    private var tags: [Tag] = []
    /// The stamp the next insert or update gives its entry.
    private var nextStamp: UInt64 = 0
    /// Goes up whenever a peer enters or leaves the table or changes address (not when one is merely seen), so
    /// that a caller can tell whether the list of contacts it saved is still the table's.
    public private(set) var contactsVersion: UInt64 = 0
    /// `bounds[b]`: where bucket b ends in `slots`, which is the number of entries in buckets b and above.
    private var bounds: [Int32] = []
    private var refreshed: [Instant] = []
    /// Newcomers waiting on a ping, at most one per bucket; rarely more than a few at once.
    private var pendings: [KBucket.Pending] = []

    /// What `update` did with a peer.
    public enum UpdateResult: Hashable, Sendable {
        /// Added at the tail of its bucket.
        case inserted
        /// Already present: moved to the tail, `lastSeen` and address refreshed.
        case updated
        /// The bucket is full: the peer waits while the driver pings this least-recently-seen entry.
        case pending(ping: PeerInfo)
        /// The bucket is full of peers heard from within `livenessInterval`, or already has a newcomer
        /// waiting: the peer is not kept.
        case full
        /// The local peer never enters its own table.
        case local
    }

    /// An empty table; `now` dates the buckets that no lookup has refreshed yet.
    public init(localID: PeerID, bucketSize: Int = 20, livenessInterval: Duration = .zero,
                questionableInterval: Duration? = nil, now: Instant) {
        precondition(bucketSize > 0, "a k-bucket must hold at least one peer")
        self.localID = localID
        self.bucketSize = bucketSize
        self.livenessInterval = livenessInterval
        self.questionableInterval = questionableInterval ?? livenessInterval
        self.created = now
    }

    /// Number of entries (pending newcomers not included).
    public var count: Int { slots.count }

    /// Buckets that exist: every bucket index below this may hold entries.
    public var bucketCount: Int { bounds.count }

    /// The bucket a peer or key belongs in; nil for the local ID itself.
    public func bucketIndex(for key: Key256) -> Int? {
        let index = localID.commonPrefixLength(with: key)
        return index < Key256.byteCount * 8 ? index : nil
    }

    /// Entries of bucket `index`, least recently seen first.
    public func entries(inBucket index: Int) -> [RoutingTableEntry] {
        guard index >= 0, index < bounds.count else { return [] }
        return inOrder(buckets: index...index) { _ in true }
    }

    /// Entries in bucket `index`, without listing them.
    public func count(inBucket index: Int) -> Int {
        index >= 0 && index < bounds.count ? span(index).count : 0
    }

    /// A snapshot of bucket `index`.
    public func bucket(_ index: Int) -> KBucket {
        KBucket(index: index, entries: Array(entries(inBucket: index)), pending: pending(inBucket: index),
                lastRefreshed: lastRefreshed(bucket: index))
    }

    /// Snapshots of every bucket that exists, index 0 first.
    public var buckets: [KBucket] { (0..<bounds.count).map(bucket) }

    /// The entry for `id`, if the table holds it (pending newcomers are not entries).
    public func entry(for id: PeerID) -> RoutingTableEntry? {
        position(of: id).map { slots[$0] }
    }

    /// Whether the table holds an entry for `id`.
    public func contains(_ id: PeerID) -> Bool { position(of: id) != nil }

    /// Every entry, nearest bucket first, least recently seen first within a bucket.
    public var entries: [RoutingTableEntry] { entries { _ in true } }

    /// The entries for which `isIncluded` holds, in the order of `entries`.
    public func entries(where isIncluded: (RoutingTableEntry) -> Bool) -> [RoutingTableEntry] {
        inOrder(buckets: 0..<bounds.count, where: isIncluded)
    }

    /// Index of the highest non-empty bucket: where the closest known neighbour lives. Nil when empty.
    public var closestNeighbourBucket: Int? {
        guard let first = slots.first else { return nil }
        return bucketIndex(for: first.peer.id)
    }

    /// The lowest bucket of the neighbourhood: the nearest full bucket (0 when none is full). The buckets from
    /// it up hold every peer this node has heard of that is closer to it than a full bucket's range — the
    /// ones a lookup for a key near this node finally asks it for, and whose answers must be exact.
    public var neighbourhood: Int {
        var b = bounds.count - 1
        while b > 0, span(b).count < bucketSize { b -= 1 }
        return Swift.max(b, 0)
    }

    /// How long an entry of bucket `b` may stay silent before it is pinged: `livenessInterval` in the
    /// neighbourhood, `questionableInterval` below it.
    public func silenceLimit(bucket b: Int) -> Duration {
        b >= neighbourhood ? livenessInterval : questionableInterval
    }

    /// The entries silent for longer than their bucket's `silenceLimit` at `now`, in the order of `entries`.
    public func silentEntries(now: Instant) -> [RoutingTableEntry] {
        let near = neighbourhood
        var chosen: [(bucket: Int, stamp: UInt64, index: Int)] = []
        for b in 0..<bounds.count {
            let limit = b >= near ? livenessInterval : questionableInterval
            for i in span(b) where now - slots[i].lastSeen >= limit { chosen.append((b, tags[i].stamp, i)) }
        }
        guard !chosen.isEmpty else { return [] }
        chosen.sort { $0.bucket != $1.bucket ? $0.bucket > $1.bucket : $0.stamp < $1.stamp }
        return chosen.map { slots[$0.index] }
    }

    /// The peer answered or sent a request at `now`: it becomes the most recently seen of its bucket.
    @discardableResult
    public mutating func update(_ peer: PeerInfo, seenAt now: Instant) -> UpdateResult {
        guard let b = bucketIndex(for: peer.id) else { return .local }
        if let i = position(of: peer.id, inBucket: b) {
            if slots[i].peer.address != peer.address { contactsVersion &+= 1 }
            slots[i].peer = peer
            slots[i].lastSeen = now
            slots[i].consecutiveFailures = 0
            tags[i].stamp = takeStamp()
            // The least-recently-seen entry proved alive: a newcomer waiting on its ping loses.
            if !pendings.isEmpty { pendings.removeAll { $0.awaiting == peer.id } }
            return .updated
        }
        grow(to: b)
        let entry = RoutingTableEntry(peer: peer, lastSeen: now)
        let bucket = span(b)
        if bucket.count < bucketSize {
            insert(entry, inBucket: b)
            if !pendings.isEmpty { pendings.removeAll { $0.entry.peer.id == peer.id } }
            return .inserted
        }
        if let p = pendingIndex(inBucket: b) {
            if pendings[p].entry.peer.id == peer.id { pendings[p].entry = entry }
            return .full
        }
        // As in BitTorrent's DHT (BEP 5): when even the least recently seen entry was heard from within
        // its `silenceLimit`, the whole bucket is known good and pinging it would only cost a message.
        let least = leastRecentlySeen(in: bucket)
        guard now - slots[least].lastSeen >= silenceLimit(bucket: b) else { return .full }
        let oldest = slots[least].peer
        pendings.append(KBucket.Pending(entry: entry, awaiting: oldest.id))
        return .pending(ping: oldest)
    }

    /// Removes a peer (it failed). A newcomer waiting in its bucket takes the free place.
    @discardableResult
    public mutating func remove(_ id: PeerID) -> RoutingTableEntry? {
        guard let b = bucketIndex(for: id) else { return nil }
        if let p = pendingIndex(inBucket: b), pendings[p].entry.peer.id == id {
            pendings.remove(at: p)
            return nil
        }
        guard let i = position(of: id, inBucket: b) else { return nil }
        let removed = slots.remove(at: i)
        tags.remove(at: i)
        contactsVersion &+= 1
        for j in 0...b { bounds[j] -= 1 }
        if let p = pendingIndex(inBucket: b) {
            insert(pendings.remove(at: p).entry, inBucket: b)
        }
        return removed
    }

    /// Counts a failed request to `id`; the peer leaves the table once `limit` have failed in a row.
    /// Returns true when it was removed.
    @discardableResult
    public mutating func recordFailure(of id: PeerID, limit: Int) -> Bool {
        guard let b = bucketIndex(for: id) else { return false }
        if let p = pendingIndex(inBucket: b), pendings[p].entry.peer.id == id {
            pendings.remove(at: p)
            return false
        }
        guard let i = position(of: id, inBucket: b) else { return false }
        slots[i].consecutiveFailures += 1
        guard slots[i].consecutiveFailures >= limit else { return false }
        remove(id)
        return true
    }

    /// Notes that a lookup targeted a key in bucket `index`, so that bucket need not be refreshed yet.
    public mutating func markRefreshed(bucket index: Int, now: Instant) {
        guard index >= 0, index < Key256.byteCount * 8 else { return }
        grow(to: index)
        refreshed[index] = now
    }

    /// When a lookup last targeted bucket `index` (the table's creation time if never).
    public func lastRefreshed(bucket index: Int) -> Instant {
        index >= 0 && index < refreshed.count ? refreshed[index] : created
    }

    /// The newcomer waiting in bucket `index`, if any.
    public func pending(inBucket index: Int) -> KBucket.Pending? {
        pendingIndex(inBucket: index).map { pendings[$0] }
    }

    // MARK: - Layout

    /// What is kept beside each entry: the first word of its PeerID, and its stamp (a larger stamp was seen
    /// more recently).
    struct Tag {
        var fingerprint: UInt64
        var stamp: UInt64
    }

    private mutating func takeStamp() -> UInt64 {
        nextStamp += 1
        return nextStamp
    }

    /// Where in `range` (one bucket, not empty) the least recently seen entry is.
    private func leastRecentlySeen(in range: Range<Int>) -> Int {
        tags.withUnsafeBufferPointer { tags in
            var least = range.lowerBound
            for i in range where tags[i].stamp < tags[least].stamp { least = i }
            return least
        }
    }

    /// The entries of `buckets` (which exist) that `isIncluded` takes: nearest bucket first, least recently
    /// seen first within a bucket.
    private func inOrder(buckets: some Sequence<Int>, where isIncluded: (RoutingTableEntry) -> Bool)
        -> [RoutingTableEntry]
    {
        var chosen: [(bucket: Int, stamp: UInt64, index: Int)] = []
        for b in buckets {
            for i in span(b) where isIncluded(slots[i]) { chosen.append((b, tags[i].stamp, i)) }
        }
        chosen.sort { $0.bucket != $1.bucket ? $0.bucket > $1.bucket : $0.stamp < $1.stamp }
        return chosen.map { slots[$0.index] }
    }

    /// Where bucket `b` (which must exist) lies in `slots`.
    func span(_ b: Int) -> Range<Int> {
        let start = b + 1 < bounds.count ? Int(bounds[b + 1]) : 0
        return start..<Int(bounds[b])
    }

    /// Direct access to the entries and their tags for the hot loops (a plain subscript copies whole entries
    /// there).
    func withEntries<R>(_ body: (UnsafeBufferPointer<RoutingTableEntry>, UnsafeBufferPointer<Tag>) -> R) -> R {
        slots.withUnsafeBufferPointer { entries in tags.withUnsafeBufferPointer { tags in body(entries, tags) } }
    }

    private func position(of id: PeerID) -> Int? {
        bucketIndex(for: id).flatMap { position(of: id, inBucket: $0) }
    }

    private func position(of id: PeerID, inBucket b: Int) -> Int? {
        guard b < bounds.count else { return nil }
        let range = span(b)
        let fingerprint = id.w0
        return tags.withUnsafeBufferPointer { tags in
            for i in range where tags[i].fingerprint == fingerprint && slots[i].peer.id == id { return i }
            return nil
        }
    }

    private func pendingIndex(inBucket b: Int) -> Int? {
        pendings.firstIndex { bucketIndex(for: $0.entry.peer.id) == b }
    }

    /// Appends to bucket `b`, which must exist and have room.
    private mutating func insert(_ entry: RoutingTableEntry, inBucket b: Int) {
        // Grow a few buckets at a time rather than doubling: a table settles at about k * log2(N / k)
        // entries, and doubling would leave thousands of simulated tables a third empty.
        if slots.count == slots.capacity {
            slots.reserveCapacity(slots.count + bucketSize * 2)
            tags.reserveCapacity(slots.count + bucketSize * 2)
        }
        slots.insert(entry, at: Int(bounds[b]))
        contactsVersion &+= 1
        tags.insert(Tag(fingerprint: entry.peer.id.w0, stamp: takeStamp()), at: Int(bounds[b]))
        for j in 0...b { bounds[j] += 1 }
    }

    private mutating func grow(to index: Int) {
        while bounds.count <= index {
            // A new highest bucket starts empty, at the front of `slots`.
            bounds.append(0)
            refreshed.append(created)
        }
    }
}
