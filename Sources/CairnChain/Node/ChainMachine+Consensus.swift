import CairnCrypto
import CairnWire
import NIOCore

/// Consensus on the next height: building, pulling and checking proposed blocks, sending this validator's
/// signed messages once they are on disk, and applying the decided block.
extension ChainMachine {
    /// Starts consensus on `ledger.height + 1` when this peer validates it and has none running.
    mutating func startConsensusIfValidator(now: Instant) {
        guard started, consensus == nil, let identity, validators.contains(identity.publicKey) else { return }
        var machine = TendermintMachine(
            chainID: chainID, height: ledger.height + 1, validators: validators, identity: identity,
            lastSigned: lastSigned, config: consensusConfig)
        let produced = machine.start(now: now)
        consensus = machine
        heightStartedAt = now
        carryOut(produced, now: now)
    }

    /// Carries out what the consensus machine asked for.
    mutating func carryOut(_ consensusActions: [ConsensusAction], now: Instant) {
        for action in consensusActions {
            switch action {
            case .buildBlock(let height, let round):
                buildBlock(height: height, round: round, now: now)
            case .persistAndBroadcast(let record):
                lastSigned = record
                var buffer = ByteBuffer()
                buffer.writeSigningRecord(record)
                write(.signed(Array(buffer.readableBytesView)), then: .broadcast(record.message))
            case .armTimeout(let timeout, let instant):
                actions.append(.armTimer(.consensus(timeout), at: instant))
            case .commit(let commit):
                decided(commit, now: now)
            case .evidence(let evidence):
                actions.append(.evidence(evidence))
            case .validateProposal(let proposal):
                proposalArrived(proposal, from: proposal.proposal.proposer.peerID, now: now)
            }
        }
    }

    /// `TendermintMachine`'s getValue(): a block of the mempool's best transactions on the committed state.
    mutating func buildBlock(height: Height, round: Round, now: Instant) {
        guard let identity, height == ledger.height + 1 else { return }
        let candidates = mempool.reap(maxCount: Int(params.maxBlockTxs), maxBytes: Int(params.maxBlockBytes))
        let timeMs = UInt64(clamping: max(0, now.nanoseconds / 1_000_000))
        let (block, _, _) = BlockBuilder(rules: rules).build(
            on: ledger, proposer: identity.publicKey, timeMs: timeMs, candidates: candidates)
        proposed[block.hash] = ProposedBlock(block: block, encoded: ByteBuffer(bytes: block.encoded), valid: true)
        guard var machine = consensus else { return }
        let produced = machine.blockBuilt(hash: block.hash, height: height, round: round, now: now)
        consensus = machine
        carryOut(produced, now: now)
    }

    /// A signed proposal from `peer` (or kept by consensus for the height just started): checked once its block
    /// is here, pulled from `peer` otherwise.
    mutating func proposalArrived(_ proposal: SignedProposal, from peer: PeerID, now: Instant) {
        guard var machine = consensus, proposal.proposal.chainID == chainID else { return }
        let height = proposal.proposal.height
        if height == machine.height + 1 {
            // Kept by consensus, which asks for it again (`validateProposal`) once there.
            let produced = machine.proposalReceived(proposal, blockValid: false, now: now)
            consensus = machine
            return carryOut(produced, now: now)
        }
        // A proposal of a height this peer has decided (a late round's) is of no use any more.
        guard height == machine.height, height == ledger.height + 1, machine.decision == nil else { return }
        let hash = proposal.proposal.blockHash
        guard proposed[hash] != nil else {
            awaitingBody[hash, default: []].append(proposal)
            return pullBody(hash, preferring: peer)
        }
        let valid = checkProposedBlock(hash, proposer: proposal.proposal.proposer, now: now)
        let produced = machine.proposalReceived(proposal, blockValid: valid, now: now)
        consensus = machine
        carryOut(produced, now: now)
    }

    /// Asks for a proposed block's body: from `peer` first, then from each validator in turn.
    mutating func pullBody(_ hash: Key256, preferring peer: PeerID?) {
        let asked = bodyAsked[hash, default: []]
        let inFlight = requests.values.contains {
            if case .proposedBlock(let pulled, _) = $0 { return pulled == hash }
            return false
        }
        guard !inFlight else { return }
        let candidates = ([peer].compactMap { $0 } + validatorPeers).filter { !asked.contains($0) && $0 != localPeer }
        guard let next = candidates.first else { return }
        bodyAsked[hash, default: []].insert(next)
        newRequest(.proposedBlock(hash, from: next), .getProposedBlock(hash), to: next)
    }

    /// A pulled body arrived (nil: the peer did not have it or did not answer).
    mutating func bodyArrived(_ hash: Key256, bytes: ByteBuffer?, from peer: PeerID, now: Instant) {
        guard let bytes, let block = try? Block(decoding: Array(bytes.readableBytesView), params: params),
            block.hash == hash
        else {
            if bytes != nil { log(.warning, "peer \(peer.shortHex) sent a block that is not \(hash.shortHex)") }
            return pullBody(hash, preferring: nil)
        }
        proposed[hash] = ProposedBlock(block: block, encoded: bytes, valid: nil)
        bodyAsked[hash] = nil
        for proposal in awaitingBody.removeValue(forKey: hash) ?? [] {
            proposalArrived(proposal, from: peer, now: now)
        }
        if let commit = pendingCommit, commit.blockHash == hash { decided(commit, now: now) }
    }

    /// Tendermint's valid(v): the block applies to the committed state, is the proposer's, and its time is not
    /// too far ahead of this peer's clock. Checked once per block.
    mutating func checkProposedBlock(_ hash: Key256, proposer: PublicKey, now: Instant) -> Bool {
        guard var entry = proposed[hash] else { return false }
        if let valid = entry.valid { return valid && entry.block.header.proposer == proposer }
        let header = entry.block.header
        let limitMs = (now + config.maxBlockTimeDrift).nanoseconds / 1_000_000
        var valid = header.proposer == proposer && Int64(clamping: header.timeMs) <= limitMs
        if valid {
            // Transactions the mempool checked need no second Ed25519 verification.
            let verified = entry.block.transactions.allSatisfy { mempool.contains($0.hash) }
            switch ledger.applyingBlock(entry.block, rules: rules, signaturesVerified: verified) {
            case .success: break
            case .failure(let reason):
                valid = false
                log(.warning, "proposed block \(hash.shortHex) at height \(header.height) is invalid: \(reason)")
            }
        }
        entry.valid = valid
        proposed[hash] = entry
        return valid
    }

    /// Consensus decided `commit`: apply its block (pulled first if it is not here) and store it.
    mutating func decided(_ commit: Commit, now: Instant) {
        guard commit.height == ledger.height + 1 else { return }
        guard let entry = proposed[commit.blockHash] else {
            pendingCommit = commit
            return pullBody(commit.blockHash, preferring: validators.proposer(forRound: commit.round).publicKey.peerID)
        }
        pendingCommit = nil
        // A block decided by more than 2/3 of the power was checked by them; one this peer never checked is
        // checked in full all the same.
        let verified = entry.valid == true
        guard let stored = applyCommitted(entry.block, encoded: entry.encoded, commit: commit, signaturesVerified: verified)
        else { return }
        write(.blocks([stored]), then: .decided(stored.height))
    }

    /// A signed message of this validator is on disk: send it to the other validators.
    mutating func broadcast(_ message: ConsensusMessage) {
        guard message.height == ledger.height + 1 else { return }
        ownMessages.append(message)
        send(message)
    }

    mutating func send(_ message: ConsensusMessage) {
        var buffer = ByteBuffer()
        let announcement: ChainAnnouncement
        switch message {
        case .proposal(let proposal):
            buffer.writeSignedProposal(proposal)
            announcement = .proposal(buffer)
        case .vote(let vote):
            buffer.writeSignedVote(vote)
            announcement = .votes([buffer])
        }
        for peer in validatorPeers { actions.append(.announce(announcement, to: peer)) }
    }

    /// The block of height `height` is stored: the next height's consensus starts after the block interval.
    mutating func decidedBlockStored(_ height: Height, now: Instant) {
        announceStatus(validatorsToo: false)
        guard height == ledger.height, isValidator else { return }
        actions.append(.armTimer(.nextHeight(height + 1), at: now + .milliseconds(Int64(clamping: params.blockIntervalMs))))
    }

    /// The block interval after height `height - 1` has passed.
    mutating func nextHeightDue(_ height: Height, now: Instant) {
        guard height == ledger.height + 1 else { return }
        guard isValidator else {
            consensus = nil
            return
        }
        guard var machine = consensus, machine.decision != nil, machine.height + 1 == height else {
            consensus = nil
            return startConsensusIfValidator(now: now)
        }
        let produced = machine.startNextHeight(validators: validators, now: now)
        consensus = machine
        heightStartedAt = now
        carryOut(produced, now: now)
    }
}
