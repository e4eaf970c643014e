/// Timeouts and memory limits of a `TendermintMachine`.
///
/// Timeouts grow with the round (Algorithm 1's timeoutPropose(r), timeoutPrevote(r), timeoutPrecommit(r),
/// which must grow so that, after GST, correct validators eventually spend long enough in one round):
/// the timeout of round r is `base + r · delta`, in milliseconds.
public struct ConsensusConfig: Hashable, Sendable {
    public var proposeMilliseconds: Int64 = 3_000
    public var proposeDeltaMilliseconds: Int64 = 500
    public var prevoteMilliseconds: Int64 = 1_000
    public var prevoteDeltaMilliseconds: Int64 = 500
    public var precommitMilliseconds: Int64 = 1_000
    public var precommitDeltaMilliseconds: Int64 = 500
    /// Votes and proposals for a round more than this many rounds past the current one are dropped, so that a
    /// validator's messages cost at most one proposal and two votes (plus one conflicting vote each, kept as
    /// evidence) for each of these rounds.
    public var maxRoundsAhead: Round = 16
    /// Messages for the next height kept, per signer, until this machine gets there.
    public var maxBufferedPerSender = 8
    /// Messages for the next height kept in all.
    public var maxBuffered = 4_096

    public init() {}

    /// How long the `step` timeout of `round` lasts.
    public func duration(of step: ConsensusTimeout.Step, round: Round) -> Duration {
        let (base, delta) =
            switch step {
            case .propose: (proposeMilliseconds, proposeDeltaMilliseconds)
            case .prevote: (prevoteMilliseconds, prevoteDeltaMilliseconds)
            case .precommit: (precommitMilliseconds, precommitDeltaMilliseconds)
            }
        let (grown, overflow) = delta.multipliedReportingOverflow(by: Int64(round))
        let total = overflow ? Int64.max : base.addingReportingOverflow(grown).partialValue
        return .milliseconds(total < 0 ? Int64.max / 1_000_000 : min(total, Int64.max / 1_000_000))
    }
}
