import CairnWire

/// What a `TendermintMachine` asks its host to do, in order.
public enum ConsensusAction: Hashable, Sendable {
    /// This validator proposes in this round and has no valid value: build a block on the committed state and
    /// answer with `blockBuilt(hash:height:round:now:)` (Algorithm 1, line 18: getValue()).
    case buildBlock(height: Height, round: Round)
    /// Write the record durably (fsync), and only then broadcast `record.message` to the other validators.
    /// Give the last record written back to `TendermintMachine.init` after a restart, so that the validator
    /// never signs a conflicting message (DESIGN.md §6).
    case persistAndBroadcast(SigningRecord)
    /// Call `timeoutFired(timeout, now:)` at `at` (or later). Stale timers are ignored; no cancel is needed.
    case armTimeout(ConsensusTimeout, at: Instant)
    /// The height is decided: `commit.blockHash` is final. Apply the block, then call `startNextHeight`.
    case commit(Commit)
    /// A validator signed two different votes for one height, round and type.
    case evidence(Equivocation)
    /// A proposal for the height just started, received before it: check its block against the new state and
    /// give it back with `proposalReceived(_:blockValid:now:)`.
    case validateProposal(SignedProposal)
}
