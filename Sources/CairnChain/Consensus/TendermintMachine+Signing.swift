import CairnCrypto

// Signing, with the crash-safety rule of DESIGN.md §6: "a validator persists what it signed before sending it
// and never signs two different votes for one height/round/step, even across a crash and restart". Each
// signed message goes out as `.persistAndBroadcast(record)`; `lastSigned` is the record, and a message at an
// earlier position, or a different one at the same position, is never signed.

extension TendermintMachine {
    /// Signs and sends a prevote or precommit for `value` in the current round, and counts it (the paper's
    /// broadcast reaches the sender too). A follower, or a validator whose record forbids it, stays silent.
    mutating func castVote(_ type: VoteType, _ value: Key256?) {
        guard let identity, current.validators.contains(identity.publicKey) else { return }
        let vote = Vote(
            chainID: chainID, type: type, height: current.height, round: current.round,
            blockHash: value, validator: identity.publicKey)
        guard let signed = sign(.vote(vote.signed(by: identity))), case .vote(let own) = signed else { return }
        record(own)
    }

    /// Signs and sends the proposal of the current round (lines 19 and 15), and keeps it as a valid proposal.
    mutating func propose(_ hash: Key256, polRound: Round?) {
        guard let identity else { return }
        let proposal = Proposal(
            chainID: chainID, height: current.height, round: current.round,
            polRound: polRound, blockHash: hash, proposer: identity.publicKey)
        guard let signed = sign(.proposal(proposal.signed(by: identity))), case .proposal(let own) = signed,
            current.proposals[current.round] == nil
        else { return }
        current.proposals[current.round] = .init(signed: own, valid: true)
    }

    /// Emits `message` for persisting and broadcasting if the last record allows it; nil when it does not.
    private mutating func sign(_ message: ConsensusMessage) -> ConsensusMessage? {
        let lock = current.lockedRound.flatMap { round in
            current.lockedValue.map { SigningRecord.Lock(round: round, blockHash: $0) }
        }
        let record = SigningRecord(message: message, lock: lock)
        if let last = lastSigned {
            if record.position < last.position { return nil }
            if record.position == last.position && !Self.sameContent(message, last.message) { return nil }
        }
        lastSigned = record
        actions.append(.persistAndBroadcast(record))
        return message
    }

    /// Whether two messages say the same thing (signatures aside: Ed25519 is deterministic, so they match too).
    private static func sameContent(_ a: ConsensusMessage, _ b: ConsensusMessage) -> Bool {
        switch (a, b) {
        case (.vote(let x), .vote(let y)): x.vote == y.vote
        case (.proposal(let x), .proposal(let y)): x.proposal == y.proposal
        default: false
        }
    }

    /// Counts a vote whose signature and signer were checked; reports an equivocation once.
    mutating func record(_ signed: SignedVote) {
        let vote = signed.vote
        guard let index = current.validators.index(of: vote.validator) else { return }
        let power = current.validators[index].power
        // Taken out of the height's table and put back, so that the set's dictionaries are uniquely referenced
        // and grow in place: a copy per vote made each round's tally quadratic in the validators (100
        // validators: 20,000 votes a height, each copying up to 100 entries).
        let removed = vote.type == .prevote
            ? current.prevotes.removeValue(forKey: vote.round) : current.precommits.removeValue(forKey: vote.round)
        var set = removed ?? VoteSet(type: vote.type, round: vote.round)
        if case .equivocation(let evidence) = set.add(signed, validatorIndex: index, power: power) {
            actions.append(.evidence(evidence))
        }
        if vote.type == .prevote { current.prevotes[vote.round] = set } else { current.precommits[vote.round] = set }
    }
}
