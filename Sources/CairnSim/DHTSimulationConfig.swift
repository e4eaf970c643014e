/// One DHT scenario (see simulations/README.md): how many peers join, how many lookups run once they have,
/// what share of peers crash in between, and the network they run on. Decoded from the JSON files in
/// `simulations/`; every field but `peers`, `lookups` and `seed` may be left out.
public struct DHTSimulationConfig: Codable, Hashable, Sendable {
    /// Peers in the network, the bootstrap peer (index 0) included.
    public var peers: Int
    /// Lookups measured once every peer has joined.
    public var lookups: Int
    /// Seeds every random choice: identities, link latencies, losses, crashes, lookup keys and askers.
    public var seed: UInt64
    /// Share of the non-bootstrap peers that crash silently after the join phase, in 0..<1.
    public var churn: Double
    /// One-way latency of a link before its jitter (each link adds up to half of it, fixed per link).
    public var latencyMs: Double
    /// Chance that any one message is lost, in 0..<1.
    public var lossRate: Double
    /// Kademlia's bucket and result size.
    public var k: Int
    /// Requests in flight per lookup.
    public var alpha: Int
    /// Virtual seconds between the crashes and the first lookup, while every live peer runs its upkeep
    /// (`DHTNode.tick`, every 10 s). The default, 50, lets each entry of every neighbourhood be pinged once
    /// after the crashes (liveness interval 30 s, plus a tick, plus a request timeout); 0 starts the lookups
    /// at once.
    public var settleSeconds: Double

    public init(peers: Int, lookups: Int, seed: UInt64, churn: Double = 0, latencyMs: Double = 50,
                lossRate: Double = 0, k: Int = 20, alpha: Int = 3, settleSeconds: Double = 50) {
        self.peers = peers
        self.lookups = lookups
        self.seed = seed
        self.churn = churn
        self.latencyMs = latencyMs
        self.lossRate = lossRate
        self.k = k
        self.alpha = alpha
        self.settleSeconds = settleSeconds
    }

    enum CodingKeys: String, CodingKey {
        case peers, lookups, seed, churn, k, alpha
        case latencyMs = "latency_ms"
        case lossRate = "loss_rate"
        case settleSeconds = "settle_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            peers: try c.decode(Int.self, forKey: .peers),
            lookups: try c.decode(Int.self, forKey: .lookups),
            seed: try c.decode(UInt64.self, forKey: .seed),
            churn: try c.decodeIfPresent(Double.self, forKey: .churn) ?? 0,
            latencyMs: try c.decodeIfPresent(Double.self, forKey: .latencyMs) ?? 50,
            lossRate: try c.decodeIfPresent(Double.self, forKey: .lossRate) ?? 0,
            k: try c.decodeIfPresent(Int.self, forKey: .k) ?? 20,
            alpha: try c.decodeIfPresent(Int.self, forKey: .alpha) ?? 3,
            settleSeconds: try c.decodeIfPresent(Double.self, forKey: .settleSeconds) ?? 50
        )
    }

    /// Most peers a simulation can address (`PeerSimulator.maxPeers`).
    public static let maxPeers = PeerSimulator.maxPeers

    /// Throws the first problem found, as a sentence a user can act on.
    public func validate() throws(DHTSimulationConfigError) {
        guard peers >= 2, peers <= Self.maxPeers else { throw .peers(peers) }
        guard lookups >= 1, lookups <= Self.maxLookups else { throw .lookups(lookups) }
        guard churn >= 0, churn < 1 else { throw .churn(churn) }
        guard latencyMs >= 0, latencyMs.isFinite, latencyMs <= 60_000 else { throw .latency(latencyMs) }
        guard lossRate >= 0, lossRate < 1 else { throw .lossRate(lossRate) }
        guard k >= 1, k <= DHTSimulationConfig.maxK else { throw .k(k) }
        guard alpha >= 1, alpha <= k else { throw .alpha(alpha, k: k) }
        guard settleSeconds >= 0, settleSeconds <= 3600 else { throw .settle(settleSeconds) }
    }

    /// Most lookups one run measures (each keeps its plan and result until the report).
    public static let maxLookups = 1_000_000

    /// Responses carry at most `DHTRequest.maxPeersPerResponse` peers, so k cannot exceed it.
    public static let maxK = 64
}

/// A scenario that cannot run, and why.
public enum DHTSimulationConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    case peers(Int)
    case lookups(Int)
    case churn(Double)
    case latency(Double)
    case lossRate(Double)
    case k(Int)
    case alpha(Int, k: Int)
    case settle(Double)

    public var description: String {
        switch self {
        case .peers(let n):
            "peers must be between 2 and \(DHTSimulationConfig.maxPeers) (a bootstrap peer and at least one "
                + "joiner), not \(n)"
        case .lookups(let n): "lookups must be between 1 and \(DHTSimulationConfig.maxLookups), not \(n)"
        case .churn(let c): "churn is the share of peers that crash and must be at least 0 and below 1, not \(c)"
        case .latency(let l): "latency must be between 0 and 60000 ms, not \(l)"
        case .lossRate(let l): "loss rate must be at least 0 and below 1, not \(l)"
        case .k(let k): "k must be between 1 and \(DHTSimulationConfig.maxK), not \(k)"
        case .alpha(let a, let k): "alpha must be between 1 and k (\(k)), not \(a)"
        case .settle(let s): "settle time must be between 0 and 3600 virtual seconds, not \(s)"
        }
    }
}
