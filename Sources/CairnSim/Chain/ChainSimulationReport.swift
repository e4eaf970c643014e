/// What a chain simulation measured. Everything but `wallSeconds` is a function of the configuration alone.
public struct ChainSimulationReport: Codable, Hashable, Sendable {
    public var peers: Int
    public var validators: Int
    public var heights: Int
    public var seed: UInt64
    public var partition: Double
    public var byzantine: Double
    /// Byzantine validators, and the conflicting votes they signed.
    public var byzantineValidators: Int
    public var equivocations: Int
    /// Honest peers alive at the end (the crashed ones and the byzantine validators excluded: an adversary's
    /// own height says nothing, and one gone silent cannot even ask for the blocks it missed).
    public var livePeers: Int
    /// The lowest and highest height a live honest peer committed by the end.
    public var committedHeightMin: Int
    public var committedHeightMax: Int
    /// Honest commits of a block other than the one another honest peer committed at that height.
    public var safetyViolations: Int
    /// Virtual time between the first commits (by any honest peer) of consecutive heights, nearest-rank
    /// percentiles in milliseconds; the block interval included.
    public var commitMsP50: Double
    public var commitMsP99: Double
    /// Virtual seconds in stretches of more than `ChainSimulationRun.haltThreshold` with no new height committed
    /// anywhere (a healthy chain has none).
    public var haltedSeconds: Double
    /// Every live honest peer committed the target height (after the partition healed, when there was one).
    public var recovered: Bool
    /// Requests, responses and announcements sent: the DHT's and the chain's.
    public var messages: Int
    /// Virtual time the run took.
    public var virtualSeconds: Double
    /// Real time the run took; the only figure that differs between two runs with one seed.
    public var wallSeconds: Double

    enum CodingKeys: String, CodingKey {
        case peers, validators, heights, seed, partition, byzantine, equivocations, recovered, messages
        case byzantineValidators = "byzantine_validators"
        case livePeers = "live_peers"
        case committedHeightMin = "committed_height_min"
        case committedHeightMax = "committed_height_max"
        case safetyViolations = "safety_violations"
        case commitMsP50 = "commit_ms_p50"
        case commitMsP99 = "commit_ms_p99"
        case haltedSeconds = "halted_seconds"
        case virtualSeconds = "virtual_seconds"
        case wallSeconds = "wall_seconds"
    }
}
