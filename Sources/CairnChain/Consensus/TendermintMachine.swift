import CairnCrypto
import CairnWire

/// Tendermint consensus for one validator (or one follower), one height at a time, as a pure state machine:
/// Algorithm 1 of Buchman, Kwon, Milošević, "The latest gossip on BFT consensus" (2018), on block hashes.
///
/// The host feeds it events with their `now`, and carries out the actions each call returns, in order: build
/// a block, persist-then-broadcast a signed message, arm a timer, apply a commit, record evidence. The block
/// bodies, their validity and their gossip belong to the host: it says whether a proposal's block is valid
/// when it hands the proposal in. Signatures are checked here. After `.commit` the machine waits for
/// `startNextHeight(validators:now:)`; messages for the next height are kept meanwhile (within
/// `ConsensusConfig`'s limits), those for past heights dropped.
///
/// A machine without an identity, or whose identity is not in the validator set, signs nothing and follows
/// the chain by tallying the validators' votes.
public struct TendermintMachine: Sendable {
    private enum Phase: Sendable {
        case notStarted
        case running
        case decided(Commit)
    }

    public let chainID: ChainID
    public let config: ConsensusConfig
    let identity: Identity?
    /// The last message this validator signed, as persisted.
    public internal(set) var lastSigned: SigningRecord?
    private var phase: Phase = .notStarted
    var current: HeightState
    var nextHeight = NextHeightBuffer()
    var actions: [ConsensusAction] = []

    /// A machine for `height` with `validators` (the set at the start of that height, priorities included).
    ///
    /// `lastSigned` is the last `SigningRecord` this validator persisted, nil if it never signed: the machine
    /// will sign nothing at or before its position that differs from it, and when it is for `height`, starts
    /// at its round with its lock.
    public init(
        chainID: ChainID, height: Height, validators: ValidatorSet, identity: Identity?,
        lastSigned: SigningRecord? = nil, config: ConsensusConfig = ConsensusConfig()
    ) {
        self.chainID = chainID
        self.config = config
        self.identity = identity
        self.lastSigned = lastSigned
        self.current = HeightState(height: height, validators: validators)
        if let lastSigned, lastSigned.position.height == height {
            current.round = lastSigned.position.round
            if let lock = lastSigned.lock {
                current.lockedRound = lock.round
                current.lockedValue = lock.blockHash
            }
            // Its own last vote counts again, as the others counted it before the crash.
            if case .vote(let own) = lastSigned.message { record(own) }
        }
    }

    // MARK: Read-only state

    public var height: Height { current.height }
    public var round: Round { current.round }
    public var validators: ValidatorSet { current.validators }
    public var lockedValue: Key256? { current.lockedValue }
    public var lockedRound: Round? { current.lockedRound }
    public var validValue: Key256? { current.validValue }
    public var validRound: Round? { current.validRound }

    /// The commit of the current height once decided, nil before.
    public var decision: Commit? {
        if case .decided(let commit) = phase { return commit }
        return nil
    }

    /// "propose", "prevote" or "precommit" (Algorithm 1's step_p), for logs and tests.
    public var stepName: String { "\(current.step)" }

    /// Whether this machine signs: it has an identity that is a validator of the current height.
    public var isValidator: Bool { identity.map { current.validators.contains($0.publicKey) } ?? false }

    // MARK: Events

    /// Algorithm 1, line 10: upon start do StartRound(0) (or the round of the last signed record, after a
    /// restart within the height).
    public mutating func start(now: Instant) -> [ConsensusAction] {
        guard case .notStarted = phase else { return [] }
        phase = .running
        startRound(current.round, now: now)
        applyRules(now: now)
        return takeActions()
    }

    /// A signed proposal whose block the host has checked (`blockValid`: the paper's valid(v)). Dropped when the
    /// signature fails, the signer is not the round's proposer, the chain or height is another, or the round
    /// already has a proposal.
    public mutating func proposalReceived(_ signed: SignedProposal, blockValid: Bool, now: Instant)
        -> [ConsensusAction]
    {
        let proposal = signed.proposal
        guard proposal.chainID == chainID else { return [] }
        if proposal.height == current.height + 1 {
            if signed.hasValidSignature { nextHeight.keep(.proposal(signed), config: config) }
            return []
        }
        guard proposal.height == current.height, decision == nil, isWithinWindow(proposal.round),
            proposal.polRound.map({ $0 < proposal.round }) ?? true, current.proposals[proposal.round] == nil,
            current.proposer(proposal.round) == proposal.proposer,
            signed.hasValidSignature
        else { return [] }
        current.proposals[proposal.round] = .init(signed: signed, valid: blockValid)
        return afterMessage(now: now)
    }

    /// A signed vote. Dropped when the signature fails, the signer is not a validator, the chain or height is
    /// another, or the round is more than `config.maxRoundsAhead` ahead.
    public mutating func voteReceived(_ signed: SignedVote, now: Instant) -> [ConsensusAction] {
        let vote = signed.vote
        guard vote.chainID == chainID else { return [] }
        if vote.height == current.height + 1 {
            if signed.hasValidSignature { nextHeight.keep(.vote(signed), config: config) }
            return []
        }
        guard vote.height == current.height, decision == nil, isWithinWindow(vote.round),
            current.validators.contains(vote.validator), signed.hasValidSignature
        else { return [] }
        record(signed)
        return afterMessage(now: now)
    }

    /// Either kind of message, as gossip delivers it; proposals need the host's verdict on their block.
    public mutating func messageReceived(_ message: ConsensusMessage, blockValid: Bool, now: Instant)
        -> [ConsensusAction]
    {
        switch message {
        case .proposal(let p): proposalReceived(p, blockValid: blockValid, now: now)
        case .vote(let v): voteReceived(v, now: now)
        }
    }

    /// The host's answer to `.buildBlock(height:round:)`: propose `hash` (line 19), unless the round moved on.
    public mutating func blockBuilt(hash: Key256, height: Height, round: Round, now: Instant) -> [ConsensusAction] {
        guard case .running = phase, height == current.height, round == current.round,
            current.buildRequested == round, current.step == .propose
        else { return [] }
        current.buildRequested = nil
        propose(hash, polRound: nil)
        applyRules(now: now)
        return takeActions()
    }

    /// A timer armed with `.armTimeout` fired (lines 57, 61, 65); stale timers do nothing.
    public mutating func timeoutFired(_ timeout: ConsensusTimeout, now: Instant) -> [ConsensusAction] {
        guard case .running = phase, timeout.height == current.height, timeout.round == current.round else {
            return []
        }
        switch timeout.step {
        case .propose where current.step == .propose:
            castVote(.prevote, nil)  // line 59
            current.step = .prevote
        case .prevote where current.step == .prevote:
            castVote(.precommit, nil)  // line 63
            current.step = .precommit
        case .precommit:
            startRound(current.round + 1, now: now)  // line 67
        default:
            return []
        }
        applyRules(now: now)
        return takeActions()
    }

    /// After `.commit`: moves to the next height with its validator set (the committed set `advanced(byHeights:
    /// 1)`, with the block's changes applied), starts round 0 and replays the messages kept for it. Does
    /// nothing before the current height is decided.
    public mutating func startNextHeight(validators: ValidatorSet, now: Instant) -> [ConsensusAction] {
        guard decision != nil else { return [] }
        current = HeightState(height: current.height + 1, validators: validators)
        phase = .running
        startRound(0, now: now)
        for message in nextHeight.drain() {
            switch message {
            case .proposal(let p): actions.append(.validateProposal(p))
            case .vote(let v):
                if isWithinWindow(v.vote.round), current.validators.contains(v.vote.validator) { record(v) }
            }
        }
        applyRules(now: now)
        return takeActions()
    }

    // MARK: Internals shared by the extensions

    private mutating func afterMessage(now: Instant) -> [ConsensusAction] {
        if case .running = phase { applyRules(now: now) }
        return takeActions()
    }

    func isWithinWindow(_ round: Round) -> Bool {
        UInt64(round) <= UInt64(current.round) + UInt64(config.maxRoundsAhead)
    }

    mutating func takeActions() -> [ConsensusAction] {
        // Most events ask for nothing: no buffer then. Otherwise the buffer goes to the caller whole; emptying
        // it while the caller still shares it, "keeping capacity", allocated a new one on every event.
        guard !actions.isEmpty else { return [] }
        defer { actions = [] }
        return actions
    }

    /// Line 49's decision: the commit is final; the machine waits for `startNextHeight`.
    mutating func decide(_ commit: Commit) {
        phase = .decided(commit)
        actions.append(.commit(commit))
    }

    var isRunning: Bool {
        if case .running = phase { return true }
        return false
    }
}
