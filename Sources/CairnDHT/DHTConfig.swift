import CairnWire

/// Kademlia's tunables (DESIGN.md §4). The defaults are the paper's k = 20, α = 3 and libp2p's timers.
public struct DHTConfig: Hashable, Sendable {
    /// Bucket size, and how many peers a lookup returns and a record is stored at.
    public var k = 20
    /// Requests a lookup keeps in flight at once.
    public var alpha = 3
    /// How long a request may stay unanswered. The machine reads no clock: the driver applies it and reports
    /// `handleFailure` when it runs out.
    public var requestTimeout: Duration = .seconds(5)
    /// A lookup of this node's own ID at most this old stands for the one that publishing its peer record would
    /// make: its k closest are where the record goes (Kademlia §2.3: locate the k closest, then STORE). A join
    /// looks up its own ID and publishes its record seconds later, after the bucket refreshes; a second lookup
    /// found the same peers and cost each join about 5 % of its messages (`cairn sim dht`).
    public var selfLookupReuse: Duration = .seconds(30)
    /// A bucket that no lookup has touched for this long is refreshed on `tick`.
    public var refreshInterval: Duration = .seconds(300)
    /// Entries of the node's neighbourhood (`RoutingTable.neighbourhood`) not heard from for this long are
    /// pinged on `tick`, and a newcomer to a full bucket there pings the least recently seen one after it. The
    /// neighbourhood is where every lookup for a key near this node ends, and its answers are only exact when
    /// they list no dead peer (a dead entry takes the place of a live one in the k it returns).
    public var livenessInterval: Duration = .seconds(30)
    /// The same for the farther, full buckets: an entry there is pinged once it has been silent this long,
    /// BEP 5's "questionable" node (15 minutes of silence). A dead entry in a far bucket costs a lookup that
    /// meets it one timeout and is then evicted (`maxConsecutiveFailures`); the k answers near a key come from
    /// other peers' neighbourhoods. Pinging every entry every `livenessInterval` instead cost each peer
    /// ~k log2(N/k) pings per 30 s, most of all the messages of a quiet network.
    public var questionableInterval: Duration = .seconds(15 * 60)
    /// Lifetime of the records this node signs, and how long it keeps a record it receives, counted on its own
    /// clock from when it arrived.
    public var recordTTL: Duration = .seconds(3600)
    /// How far another peer's clock may be from this one's and its records still be taken (issue 6, item 7). A
    /// record's signed expiry only has to lie within `now − maxClockSkew … now + recordTTL + maxClockSkew`;
    /// how long it is kept is judged here (`recordTTL` from arrival), so a peer hours behind or ahead still
    /// publishes. A day covers clocks set to the wrong time zone; the price is that a signed record can be
    /// replayed for up to a day after its expiry, which costs nothing worse than a stale address hint (a dial
    /// checks the PeerID in the handshake).
    public var maxClockSkew: Duration = .seconds(24 * 3600)
    /// How often this node stores its own provider and peer records again.
    public var republishInterval: Duration = .seconds(1200)
    /// Most provider records kept for one key.
    public var maxProvidersPerKey = 20
    /// Failed requests in a row after which a peer leaves the routing table.
    public var maxConsecutiveFailures = 1

    public init() {}
}
