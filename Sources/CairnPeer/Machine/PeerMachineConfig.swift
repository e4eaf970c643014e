import CairnDHT
import CairnWire

/// The peer's own timing rules. They live here, in the machine, so that the simulator and `cairn run` obey
/// the same ones (DESIGN.md §1).
public struct PeerMachineConfig: Sendable {
    public var dht: DHTConfig
    /// Where newcomers find the network (from the genesis file or `--bootstrap`).
    public var bootstrap: [PeerAddress]
    /// How long a request (or a dial) may stay unanswered before it counts as failed.
    public var requestTimeout: Duration
    /// How long a dial to a bootstrap address may take.
    public var dialTimeout: Duration
    /// Kademlia upkeep period.
    public var maintenanceInterval: Duration = .seconds(1)
    /// How often a peer with an empty routing table retries its bootstrap peers.
    public var rejoinInterval: Duration = .seconds(10)
    /// How often the routing table is saved.
    public var persistInterval: Duration = .seconds(30)
    /// Requests in flight in a lookup of a file's keepers (put, get, delete, repair), instead of the DHT's α:
    /// every keeper is needed before the file's next step, so they are asked as many at a time as
    /// go-libp2p-kad-dht's default concurrency; in a network of ten peers that is one round trip, not three.
    public var keeperLookupAlpha = 10
    /// The provider side's rules; nil for a peer that stores nothing for others, which refuses storage
    /// requests.
    public var provider: ProviderConfig?
    /// What the peer does in the storage market on its own (registering, proving); nil for nothing. Only
    /// used on a chain whose genesis has a market.
    public var market: MarketAgentConfig?

    public init(dht: DHTConfig = DHTConfig(), bootstrap: [PeerAddress] = [], requestTimeout: Duration? = nil,
                dialTimeout: Duration = .seconds(10), provider: ProviderConfig? = nil,
                market: MarketAgentConfig? = nil) {
        self.provider = provider
        self.market = market
        self.dht = dht
        self.bootstrap = bootstrap
        self.requestTimeout = requestTimeout ?? dht.requestTimeout
        self.dialTimeout = dialTimeout
    }
}
