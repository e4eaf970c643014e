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
    /// A bucket that no lookup has touched for this long is refreshed on `tick`.
    public var refreshInterval: Duration = .seconds(300)
    /// Routing-table entries not heard from for this long are pinged on `tick`.
    public var livenessInterval: Duration = .seconds(30)
    /// Lifetime of the records this node signs.
    public var recordTTL: Duration = .seconds(3600)
    /// How often this node stores its own provider and peer records again.
    public var republishInterval: Duration = .seconds(1200)
    /// Most provider records kept for one key.
    public var maxProvidersPerKey = 20
    /// Failed requests in a row after which a peer leaves the routing table.
    public var maxConsecutiveFailures = 1

    public init() {}
}
