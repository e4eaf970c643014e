import CairnWire

/// A running query: its current lookup and what it still has to do once that lookup is over.
struct QueryState: Sendable {
    enum Phase: Sendable {
        /// The one lookup of closestPeers, findPeer and getProviders, or the one before a STORE.
        case lookup
        /// STOREs sent to the k closest peers, `pending` of them not yet answered.
        case storing(pending: Int)
        /// Bootstrap or maintenance: the self lookup, then one lookup per bucket in `buckets` (last first).
        case refreshing(buckets: [Int])
    }

    enum Goal: Sendable {
        case closestPeers(Key256)
        case findPeer(PeerID)
        case findPeerRecord(PeerID)
        case getProviders(Key256)
        case provide(ProviderRecord)
        case publishPeerRecord(PeerRecord)
        /// `join` skips buckets that are already full and reports `.bootstrapped`.
        case refresh(join: Bool)
    }

    let id: QueryID
    let goal: Goal
    /// Started by `startQuery`, so it reports `.finished`; maintenance queries stay silent.
    let external: Bool
    let started: Instant
    var phase: Phase
    var lookup: ClosestPeersLookup
    /// The request every step of the current lookup sends.
    var lookupRequest: DHTRequest
    /// Messages and failures of lookups and STOREs already over.
    var earlierMessages = 0
    var earlierFailures = 0
    /// Fixed by the first lookup (the self lookup for a refresh) or by the answer that ended a findPeer.
    var hops: Int?
    var storeMessages = 0
    var storeFailures = 0
    var stored = 0
    /// getProviders: the valid records met so far, one per provider.
    var providers: [PeerID: ProviderRecord] = [:]

    init(id: QueryID, goal: Goal, external: Bool, started: Instant, lookup: ClosestPeersLookup,
         lookupRequest: DHTRequest, phase: Phase) {
        self.id = id
        self.goal = goal
        self.external = external
        self.started = started
        self.lookup = lookup
        self.lookupRequest = lookupRequest
        self.phase = phase
    }

    func stats(finished now: Instant) -> QueryStats {
        QueryStats(
            hops: hops ?? lookup.hops,
            messagesSent: earlierMessages + lookup.messagesSent + storeMessages,
            failures: earlierFailures + lookup.failures + storeFailures,
            started: started,
            finished: now
        )
    }
}
