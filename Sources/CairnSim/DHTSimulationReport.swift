/// What a DHT simulation measured. Everything but `wallSeconds` is a function of the configuration alone.
public struct DHTSimulationReport: Codable, Hashable, Sendable {
    public var peers: Int
    public var lookups: Int
    public var seed: UInt64
    public var churn: Double
    /// Share of lookups whose result was exactly the k live peers closest to the key.
    public var successRate: Double
    /// Discovery depth of the farthest result peer (`QueryStats.hops`), nearest-rank percentiles.
    public var hopsMedian: Int
    public var hopsP95: Int
    public var hopsMax: Int
    /// Requests a lookup sent, on average.
    public var messagesPerLookup: Double
    /// Messages (requests, responses, announcements) the whole run sent: joins, upkeep and lookups.
    public var messages: Int
    /// Virtual time from the start of a lookup to its result.
    public var latencyMsMedian: Double
    public var latencyMsP95: Double
    /// Real time the run took; the only figure that differs between two runs with one seed.
    public var wallSeconds: Double

    public init(peers: Int, lookups: Int, seed: UInt64, churn: Double, successRate: Double, hopsMedian: Int,
                hopsP95: Int, hopsMax: Int, messagesPerLookup: Double, messages: Int, latencyMsMedian: Double,
                latencyMsP95: Double, wallSeconds: Double) {
        self.peers = peers
        self.lookups = lookups
        self.seed = seed
        self.churn = churn
        self.successRate = successRate
        self.hopsMedian = hopsMedian
        self.hopsP95 = hopsP95
        self.hopsMax = hopsMax
        self.messagesPerLookup = messagesPerLookup
        self.messages = messages
        self.latencyMsMedian = latencyMsMedian
        self.latencyMsP95 = latencyMsP95
        self.wallSeconds = wallSeconds
    }

    enum CodingKeys: String, CodingKey {
        case peers, lookups, seed, churn
        case successRate = "success_rate"
        case hopsMedian = "hops_median"
        case hopsP95 = "hops_p95"
        case hopsMax = "hops_max"
        case messagesPerLookup = "messages_per_lookup"
        case messages
        case latencyMsMedian = "latency_ms_median"
        case latencyMsP95 = "latency_ms_p95"
        case wallSeconds = "wall_seconds"
    }
}
