/// One chain scenario (`cairn sim chain`, simulations/README.md): N peers, the first V of them validators of
/// equal stake, all running the chain until every live peer has committed `heights` blocks; optionally a
/// partition in the middle of the run and byzantine validators throughout. Decoded from the JSON files in
/// `simulations/`; every field but `peers`, `validators`, `heights` and `seed` may be left out.
public struct ChainSimulationConfig: Codable, Hashable, Sendable {
    /// Peers in the network, the bootstrap peer (index 0, also validator 0) included.
    public var peers: Int
    /// Peers 0..<validators validate, with equal stake; the others follow.
    public var validators: Int
    /// The height every live peer must commit for the run to end.
    public var heights: Int
    /// Seeds every random choice: identities, the chain ID, latencies, the partition, the byzantine validators.
    public var seed: UInt64
    /// Share of the peers (validators among them in proportion) cut off from the others from the moment a
    /// third of the heights is committed, for as long as that third took; in 0..<1.
    public var partition: Double
    /// Share of the validators that equivocate and go silent at random; their power must stay below 1/3.
    public var byzantine: Double
    /// Share of the followers that crash silently once every peer has started, in 0..<1.
    public var churn: Double
    /// One-way latency of a link before its jitter (each link adds up to half of it, fixed per link).
    public var latencyMs: Double
    /// Chance that any one message is lost, in 0..<1.
    public var lossRate: Double
    /// Virtual seconds the run goes on after every live peer reached `heights`, before the heights are read.
    public var settleSeconds: Double
    /// Virtual seconds after which the run stops even if some live peer has not reached `heights`.
    public var maxVirtualSeconds: Double

    public init(peers: Int, validators: Int, heights: Int, seed: UInt64, partition: Double = 0,
                byzantine: Double = 0, churn: Double = 0, latencyMs: Double = 50, lossRate: Double = 0,
                settleSeconds: Double = 0, maxVirtualSeconds: Double? = nil) {
        self.peers = peers
        self.validators = validators
        self.heights = heights
        self.seed = seed
        self.partition = partition
        self.byzantine = byzantine
        self.churn = churn
        self.latencyMs = latencyMs
        self.lossRate = lossRate
        self.settleSeconds = settleSeconds
        self.maxVirtualSeconds = maxVirtualSeconds ?? Self.defaultMaxVirtualSeconds(heights: heights)
    }

    /// Ten virtual seconds a height and ten minutes besides: a chain that takes longer has stalled.
    public static func defaultMaxVirtualSeconds(heights: Int) -> Double { 600 + 10 * Double(max(0, heights)) }

    enum CodingKeys: String, CodingKey {
        case peers, validators, heights, seed, partition, byzantine, churn
        case latencyMs = "latency_ms"
        case lossRate = "loss_rate"
        case settleSeconds = "settle_seconds"
        case maxVirtualSeconds = "max_virtual_seconds"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let heights = try c.decode(Int.self, forKey: .heights)
        let defaults = ChainSimulationConfig(peers: 0, validators: 0, heights: heights, seed: 0)
        self.init(
            peers: try c.decode(Int.self, forKey: .peers),
            validators: try c.decode(Int.self, forKey: .validators),
            heights: heights,
            seed: try c.decode(UInt64.self, forKey: .seed),
            partition: try c.decodeIfPresent(Double.self, forKey: .partition) ?? defaults.partition,
            byzantine: try c.decodeIfPresent(Double.self, forKey: .byzantine) ?? defaults.byzantine,
            churn: try c.decodeIfPresent(Double.self, forKey: .churn) ?? defaults.churn,
            latencyMs: try c.decodeIfPresent(Double.self, forKey: .latencyMs) ?? defaults.latencyMs,
            lossRate: try c.decodeIfPresent(Double.self, forKey: .lossRate) ?? defaults.lossRate,
            settleSeconds: try c.decodeIfPresent(Double.self, forKey: .settleSeconds) ?? defaults.settleSeconds,
            maxVirtualSeconds: try c.decodeIfPresent(Double.self, forKey: .maxVirtualSeconds))
    }

    /// Most validators one run has (the genesis allows this many).
    public static let maxValidators = 1_000
    /// Most heights one run commits.
    public static let maxHeights = 1_000_000

    /// Byzantine validators: the share `byzantine` of `validators`, rounded down.
    public var byzantineCount: Int { Int((byzantine * Double(validators)).rounded(.down)) }

    /// Throws the first problem found, as a sentence a user can act on.
    public func validate() throws(ChainSimulationConfigError) {
        guard peers >= 1, peers <= PeerSimulator.maxPeers else { throw .peers(peers) }
        guard validators >= 1, validators <= min(peers, Self.maxValidators) else {
            throw .validators(validators, peers: peers)
        }
        guard heights >= 1, heights <= Self.maxHeights else { throw .heights(heights) }
        guard partition >= 0, partition < 1 else { throw .partition(partition) }
        guard byzantine >= 0, byzantine < 1, byzantineCount * 3 < validators else {
            throw .byzantine(byzantine, validators: validators)
        }
        guard byzantineCount < validators || validators == 0 else { throw .byzantine(byzantine, validators: validators) }
        guard churn >= 0, churn < 1 else { throw .churn(churn) }
        guard latencyMs >= 0, latencyMs.isFinite, latencyMs <= 60_000 else { throw .latency(latencyMs) }
        guard lossRate >= 0, lossRate < 1 else { throw .lossRate(lossRate) }
        guard settleSeconds >= 0, settleSeconds <= 3600 else { throw .settle(settleSeconds) }
        guard maxVirtualSeconds > 0, maxVirtualSeconds.isFinite, maxVirtualSeconds <= 1e8 else {
            throw .maxVirtualSeconds(maxVirtualSeconds)
        }
    }
}

/// A chain scenario that cannot run, and why.
public enum ChainSimulationConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    case peers(Int)
    case validators(Int, peers: Int)
    case heights(Int)
    case partition(Double)
    case byzantine(Double, validators: Int)
    case churn(Double)
    case latency(Double)
    case lossRate(Double)
    case settle(Double)
    case maxVirtualSeconds(Double)

    public var description: String {
        switch self {
        case .peers(let n): "peers must be between 1 and \(PeerSimulator.maxPeers), not \(n)"
        case .validators(let v, let peers):
            "validators must be between 1 and \(min(peers, ChainSimulationConfig.maxValidators)) (at most the "
                + "peers, \(peers)), not \(v)"
        case .heights(let h): "heights must be between 1 and \(ChainSimulationConfig.maxHeights), not \(h)"
        case .partition(let f): "partition is the share of peers cut off and must be at least 0 and below 1, not \(f)"
        case .byzantine(let b, let v):
            "byzantine is the share of validators that misbehave and must leave them under a third of the "
                + "\(v) validators' power, not \(b)"
        case .churn(let c): "churn is the share of followers that crash and must be at least 0 and below 1, not \(c)"
        case .latency(let l): "latency must be between 0 and 60000 ms, not \(l)"
        case .lossRate(let l): "loss rate must be at least 0 and below 1, not \(l)"
        case .settle(let s): "settle time must be between 0 and 3600 virtual seconds, not \(s)"
        case .maxVirtualSeconds(let s): "the virtual time cap must be above 0 and at most 1e8 seconds, not \(s)"
        }
    }
}
