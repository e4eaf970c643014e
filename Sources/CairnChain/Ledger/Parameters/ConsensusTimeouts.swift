/// Tendermint's round timeouts (Buchman–Kwon–Milošević 2018, §4): round r waits `base + r × delta` ms.
/// CometBFT's defaults (propose 3000 + 500, prevote 1000 + 500, precommit 1000 + 500) are sized for the
/// Internet; a local network's are a third of them.
public struct ConsensusTimeouts: Hashable, Sendable, Codable {
    public var proposeMs: UInt64
    public var proposeDeltaMs: UInt64
    public var prevoteMs: UInt64
    public var prevoteDeltaMs: UInt64
    public var precommitMs: UInt64
    public var precommitDeltaMs: UInt64

    public init(
        proposeMs: UInt64, proposeDeltaMs: UInt64, prevoteMs: UInt64, prevoteDeltaMs: UInt64, precommitMs: UInt64,
        precommitDeltaMs: UInt64
    ) {
        self.proposeMs = proposeMs
        self.proposeDeltaMs = proposeDeltaMs
        self.prevoteMs = prevoteMs
        self.prevoteDeltaMs = prevoteDeltaMs
        self.precommitMs = precommitMs
        self.precommitDeltaMs = precommitDeltaMs
    }

    enum CodingKeys: String, CodingKey {
        case proposeMs = "propose_ms"
        case proposeDeltaMs = "propose_delta_ms"
        case prevoteMs = "prevote_ms"
        case prevoteDeltaMs = "prevote_delta_ms"
        case precommitMs = "precommit_ms"
        case precommitDeltaMs = "precommit_delta_ms"
    }
}
