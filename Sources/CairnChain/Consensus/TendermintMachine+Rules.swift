import CairnCrypto
import CairnWire

// Algorithm 1's StartRound and upon-rules (Buchman, Kwon, Milošević 2018). "2f+1" is `validators.quorum`
// of power, "f+1" `validators.oneThirdPlus`. After every event the rules run until none fires.

extension TendermintMachine {
    /// Lines 11–21: StartRound(round).
    mutating func startRound(_ round: Round, now: Instant) {
        current.round = round
        current.step = .propose
        current.buildRequested = nil
        if let identity, current.proposer(round) == identity.publicKey {
            if let validValue = current.validValue {
                propose(validValue, polRound: current.validRound)  // line 15
            } else {
                current.buildRequested = round  // line 18: getValue()
                actions.append(.buildBlock(height: current.height, round: round))
            }
        }
        // Line 21 arms the propose timeout for other validators; the proposer arms it too, so that a host that
        // never answers `.buildBlock` cannot stall the round.
        arm(.propose, now: now)
    }

    mutating func arm(_ step: ConsensusTimeout.Step, now: Instant) {
        let timeout = ConsensusTimeout(height: current.height, round: current.round, step: step)
        actions.append(.armTimeout(timeout, at: now + config.duration(of: step, round: current.round)))
    }

    /// Runs the upon-rules until none fires (each fires at most once per state it changes).
    mutating func applyRules(now: Instant) {
        while isRunning {
            let fired =
                ruleProposal() || ruleProposalWithPolka() || rulePrevoteTimer(now: now)
                || rulePolka() || ruleNilPolka() || rulePrecommitTimer(now: now) || ruleDecide()
                || ruleRoundSkip(now: now)
            if !fired { return }
        }
    }

    /// Line 22: upon ⟨PROPOSAL, h_p, round_p, v, −1⟩ from proposer(h_p, round_p) while step_p = propose:
    /// prevote id(v) if valid(v) ∧ (lockedRound_p = −1 ∨ lockedValue_p = v), else nil; step_p ← prevote.
    private mutating func ruleProposal() -> Bool {
        guard current.step == .propose, let proposal = current.proposals[current.round],
            proposal.signed.proposal.polRound == nil
        else { return false }
        let v = proposal.blockHash
        let accept = proposal.valid && (current.lockedRound == nil || current.lockedValue == v)
        castVote(.prevote, accept ? v : nil)
        current.step = .prevote
        return true
    }

    /// Line 28: upon ⟨PROPOSAL, h_p, round_p, v, vr⟩ from proposer(h_p, round_p) AND 2f+1 ⟨PREVOTE, h_p, vr,
    /// id(v)⟩ while step_p = propose ∧ (vr ≥ 0 ∧ vr < round_p): prevote id(v) if valid(v) ∧ (lockedRound_p ≤ vr
    /// ∨ lockedValue_p = v), else nil; step_p ← prevote.
    private mutating func ruleProposalWithPolka() -> Bool {
        guard current.step == .propose, let proposal = current.proposals[current.round],
            let vr = proposal.signed.proposal.polRound, vr < current.round
        else { return false }
        let v = proposal.blockHash
        guard (current.prevotes[vr]?.power(for: v) ?? 0) >= current.validators.quorum else { return false }
        let unlocked = current.lockedRound.map { $0 <= vr } ?? true
        castVote(.prevote, proposal.valid && (unlocked || current.lockedValue == v) ? v : nil)
        current.step = .prevote
        return true
    }

    /// Line 34: upon 2f+1 ⟨PREVOTE, h_p, round_p, ∗⟩ while step_p = prevote for the first time: schedule
    /// OnTimeoutPrevote(h_p, round_p).
    private mutating func rulePrevoteTimer(now: Instant) -> Bool {
        guard current.step == .prevote, !current.prevoteTimerArmed.contains(current.round),
            (current.prevotes[current.round]?.totalPower ?? 0) >= current.validators.quorum
        else { return false }
        current.prevoteTimerArmed.insert(current.round)
        arm(.prevote, now: now)
        return true
    }

    /// Line 36: upon ⟨PROPOSAL, h_p, round_p, v, ∗⟩ from proposer(h_p, round_p) AND 2f+1 ⟨PREVOTE, h_p,
    /// round_p, id(v)⟩ while valid(v) ∧ step_p ≥ prevote for the first time: if step_p = prevote, lock v at
    /// round_p, precommit id(v), step_p ← precommit; in any case validValue_p ← v, validRound_p ← round_p.
    private mutating func rulePolka() -> Bool {
        let round = current.round
        guard current.step >= .prevote, !current.polkaHandled.contains(round),
            let proposal = current.proposals[round], proposal.valid,
            (current.prevotes[round]?.power(for: proposal.blockHash) ?? 0) >= current.validators.quorum
        else { return false }
        current.polkaHandled.insert(round)
        let v = proposal.blockHash
        if current.step == .prevote {
            current.lockedValue = v
            current.lockedRound = round
            castVote(.precommit, v)
            current.step = .precommit
        }
        current.validValue = v
        current.validRound = round
        return true
    }

    /// Line 44: upon 2f+1 ⟨PREVOTE, h_p, round_p, nil⟩ while step_p = prevote: precommit nil; step_p ← precommit.
    private mutating func ruleNilPolka() -> Bool {
        guard current.step == .prevote,
            (current.prevotes[current.round]?.power(for: nil) ?? 0) >= current.validators.quorum
        else { return false }
        castVote(.precommit, nil)
        current.step = .precommit
        return true
    }

    /// Line 47: upon 2f+1 ⟨PRECOMMIT, h_p, round_p, ∗⟩ for the first time: schedule OnTimeoutPrecommit.
    private mutating func rulePrecommitTimer(now: Instant) -> Bool {
        guard !current.precommitTimerArmed.contains(current.round),
            (current.precommits[current.round]?.totalPower ?? 0) >= current.validators.quorum
        else { return false }
        current.precommitTimerArmed.insert(current.round)
        arm(.precommit, now: now)
        return true
    }

    /// Line 49: upon ⟨PROPOSAL, h_p, r, v, ∗⟩ from proposer(h_p, r) AND 2f+1 ⟨PRECOMMIT, h_p, r, id(v)⟩ while
    /// decision_p[h_p] = nil: if valid(v), decide v. Any round r, not only the current one.
    private mutating func ruleDecide() -> Bool {
        // The lowest such round, found without sorting the table: the rules run after every vote.
        let quorum = current.validators.quorum
        var decided: (round: Round, hash: Key256)?
        for (round, precommits) in current.precommits where decided.map({ round < $0.round }) ?? true {
            guard let value = precommits.value(withPowerAtLeast: quorum), let hash = value,
                let proposal = current.proposals[round], proposal.valid, proposal.blockHash == hash
            else { continue }
            decided = (round, hash)
        }
        guard let decided, let precommits = current.precommits[decided.round] else { return false }
        decide(Commit(height: current.height, blockHash: decided.hash, precommits: precommits))
        return true
    }

    /// Line 55: upon f+1 ⟨∗, h_p, round, ∗, ∗⟩ with round > round_p: StartRound(round) (the highest such round).
    private mutating func ruleRoundSkip(now: Instant) -> Bool {
        // Rounds ahead are rare: the tables are scanned for one before any set is built.
        let round = current.round
        let ahead = current.prevotes.keys.contains { $0 > round } || current.precommits.keys.contains { $0 > round }
            || current.proposals.keys.contains { $0 > round }
        guard ahead else { return false }
        let rounds = Set(current.prevotes.keys).union(current.precommits.keys).union(current.proposals.keys)
        let threshold = current.validators.oneThirdPlus
        guard let target = rounds.filter({ $0 > round && current.powerSeen(in: $0) >= threshold }).max()
        else { return false }
        startRound(target, now: now)
        return true
    }
}
