import CairnWire

/// One peer's Kademlia (DESIGN.md §4) as a pure state machine: the network driver (SwiftNIO) and the
/// simulator run this same value. It reads no clock and does no I/O: every event comes in with its `now`,
/// and what the node wants done comes out of `takeActions()` in order.
///
/// Every `.send` the driver carries out must come back exactly once, as `handleResponse` or as
/// `handleFailure` when `config.requestTimeout` runs out first.
public struct DHTNode: Sendable {
    // Stored properties are laid out in declaration order: those every message touches come first, so that
    // they share the fewest cache lines (the simulator touches 10^5 nodes in turn, each of them cold).

    /// Read-only for drivers: `cairn peers` lists it and the peer persists it.
    public internal(set) var routingTable: RoutingTable
    var actions: [DHTAction] = []
    var requests = RequestWindow()
    var queries = QueryTable()
    /// Peers with a liveness ping in flight, so that no peer is pinged twice at once.
    var pinging: Set<PeerID> = []
    var nextRequest: UInt64 = 1
    var nextQuery: UInt64 = 1
    public let config: DHTConfig
    /// This peer as others dial it.
    public let localPeer: PeerInfo
    /// The records this node holds for others (and its own).
    public internal(set) var records: RecordStore
    let identity: Identity
    /// Counter that makes every refresh target different (and the run reproducible).
    var refreshCounter: UInt64 = 0
    var lastSelfLookup: Instant
    /// What the last finished lookup of this node's own ID found (this node included when among the k
    /// closest), and when: reused by a publication of the peer record within `DHTConfig.selfLookupReuse`.
    var selfNeighbours: (peers: [PeerInfo], found: Instant)?
    /// The maintenance refresh in flight, if any: `tick` starts at most one at a time.
    var maintenanceRefresh: QueryID?
    /// Keys this node provides, with when it last stored its record for each.
    var provided: [Key256: Instant] = [:]
    var peerRecordPublished: Instant?

    /// A provider record for `key`, signed by this node, for the caller to deliver alongside other stores to the
    /// peers closest to `key` (the file layer sends it with the descriptor). From now on the node republishes
    /// it on its own, as after `provide`.
    public mutating func makeProviderRecord(for key: Key256, now: Instant) -> ProviderRecord {
        provided[key] = now
        return ProviderRecord(key: key, identity: identity, addresses: [localPeer.address],
                              expires: now + config.recordTTL)
    }

    /// A node that knows nobody yet; `address` is where it listens, put in its own records.
    public init(identity: Identity, address: PeerAddress, config: DHTConfig = DHTConfig(), now: Instant) {
        self.identity = identity
        self.localPeer = PeerInfo(id: identity.peerID, address: address)
        self.config = config
        self.routingTable = RoutingTable(localID: identity.peerID, bucketSize: config.k,
                                         livenessInterval: config.livenessInterval,
                                         questionableInterval: config.questionableInterval, now: now)
        self.records = RecordStore(maxProvidersPerKey: config.maxProvidersPerKey, lifetime: config.recordTTL,
                                   maxClockSkew: config.maxClockSkew)
        self.lastSelfLookup = now
    }

    /// A contact from the bootstrap list or the persisted table. It is trusted as seen now; if it is dead,
    /// the first request to it removes it.
    public mutating func addKnownPeer(_ peer: PeerInfo, now: Instant) {
        observe(peer, now: now)
    }

    /// A peer said it is leaving (`DHTAnnouncement.leaving`): it goes from the routing table now, and a
    /// newcomer waiting for its bucket takes its place.
    public mutating func peerLeft(_ id: PeerID) {
        routingTable.remove(id)
    }

    /// The `count` peers of the routing table closest to `key`, nearest first.
    public func closestKnown(to key: Key256, count: Int) -> [PeerInfo] {
        routingTable.closest(to: key, count: count)
    }

    /// Queries started and not yet finished, maintenance included.
    public var runningQueries: Int { queries.count }

    /// Requests sent and not yet answered or failed.
    public var outstandingRequests: Int { requests.count }

    /// Drains the pending actions, oldest first.
    public mutating func takeActions() -> [DHTAction] {
        guard !actions.isEmpty else { return [] }
        let drained = actions
        actions = []
        return drained
    }

    /// A peer proved alive at `now`: it moves to the tail of its bucket, or asks for a ping of the
    /// least-recently-seen entry when its bucket is full.
    mutating func observe(_ peer: PeerInfo, now: Instant) {
        guard case .pending(let oldest) = routingTable.update(peer, seenAt: now) else { return }
        ping(oldest)
    }

    mutating func ping(_ peer: PeerInfo) {
        guard pinging.insert(peer.id).inserted else { return }
        send(.ping, to: peer, purpose: .liveness)
    }

    mutating func pingSettled(_ peer: PeerID) {
        pinging.remove(peer)
        // A tick pings a whole table at once; an idle node should not keep the storage that took.
        if pinging.isEmpty { pinging = [] }
    }

    mutating func send(_ request: DHTRequest, to peer: PeerInfo, purpose: PendingRequest.Purpose) {
        let id = RequestID(rawValue: nextRequest)
        nextRequest += 1
        requests.insert(PendingRequest(peer: peer, purpose: purpose), for: id)
        actions.append(.send(id, to: peer, request))
    }
}
