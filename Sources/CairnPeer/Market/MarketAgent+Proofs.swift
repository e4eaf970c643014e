import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire
import HashTreeCollections

/// Proving this provider's agreements challenged in each epoch (the audit sample, `MarketState.isChallenged`) in its
/// proof window (see `MarketAgent`).
extension MarketAgent {
    mutating func prove(
        height: Height, market: MarketState, chain: ChainParameters, parameters: MarketParameters,
        inMempool: Set<Key256>
    ) {
        if let round, round.epoch != market.epoch {
            if round.isGathering {
                log(.warning, "the proof window of epoch \(round.epoch) closed before its proofs were gathered")
            }
            self.round = nil
        }
        let clock = MarketClock(parameters)
        guard clock.acceptsProofs(at: height + 1) else { return }
        if var round, round.epoch == market.epoch, !round.closing, height + 2 >= clock.proofDeadline(of: round.epoch) {
            // Two blocks before the window closes: what is proved goes now, without the stragglers.
            round.closing = true
            self.round = round
            pump()
        }
        // The challenges are drawn once an epoch for the agreements open then; reckoning them costs a SHA-256
        // an agreement, so it is done only when they may have changed: not again, within an epoch, for the same
        // open agreements once none was due, nor while a round is under way and not yet to be posted again.
        let open = market.openByProvider[local] ?? []
        guard var round else {
            if let nothingDue, nothingDue.epoch == market.epoch, nothingDue.open == open { return }
            let due = market.challenges(for: local, parameters: parameters)
            guard !due.isEmpty else {
                nothingDue = (market.epoch, open)
                return
            }
            return startRound(due, epoch: market.epoch, market: market, chain: chain, parameters: parameters)
        }
        // Posted, yet some proofs this agent holds are still due: if none of its transactions is in the
        // mempool any more after a few blocks, they were lost, and go again.
        guard !round.isGathering, !round.posted.isEmpty,
              !round.posted.contains(where: { pending in pending.hash.map { inMempool.contains($0) } ?? false }),
              let last = round.posted.map(\.height).max(), height >= last + config.retryAfterBlocks
        else { return }
        let due = market.challenges(for: local, parameters: parameters)
        let again = due.compactMap { round.entries[$0.agreementID] }
        guard !again.isEmpty else { return }
        round.posted = []
        self.round = round
        log(.warning, "\(again.count) proofs for epoch \(round.epoch) did not commit: posting them again")
        post(again, of: round)
    }

    mutating func startRound(
        _ due: [(agreementID: Key256, challenge: StorageChallenge)], epoch: UInt64, market: MarketState,
        chain: ChainParameters, parameters: MarketParameters
    ) {
        var round = ProofRound(
            epoch: epoch, maxTxBytes: Int(chain.maxTxBytes), maxProofs: Int(parameters.maxProofsPerTx))
        round.parameters = parameters
        var toFetch: [Key256] = []
        for (id, challenge) in due {
            guard let agreement = market.agreements[id] else { continue }
            round.agreements[id] = (agreement, challenge)
            if slots[id] != nil {
                round.queue.append(id)
            } else {
                if round.waitingDescriptor[agreement.fileID] == nil { toFetch.append(agreement.fileID) }
                round.waitingDescriptor[agreement.fileID, default: []].append(id)
            }
        }
        self.round = round
        log(.info, "epoch \(epoch): \(due.count) challenges to prove")
        for fileID in toFetch where fetches[fileID] == nil { startFetch(fileID, market: market) }
        pump()
    }

    /// Reads queued shards, up to the bound; posts once every challenge has a proof or a reason, or, when the
    /// window is closing, the proofs it has (and later ones while the window is still open): one agreement whose
    /// descriptor is slow to come must not make the provider miss all the others (in `cairn sim storage`, whole
    /// batches came a block late and every agreement of their providers was penalized).
    mutating func pump() {
        guard var round else { return }
        while round.reading.count < config.maxReadsInFlight, !round.queue.isEmpty {
            let id = round.queue.removeFirst()
            guard let challenge = round.agreements[id]?.challenge, let ids = slots[id]?.shards,
                  challenge.segment < ids.count
            else {
                round.unproved[id] = "the challenge is outside the slot"
                continue
            }
            let ticket = newTicket()
            round.reading[ticket] = id
            effects.append(.prove(ticket, ids[challenge.segment], leaf: challenge.leaf))
        }
        self.round = round
        guard !round.isGathering || round.closing else { return }
        if !round.isGathering && !round.warned {
            self.round?.warned = true
            warnUnproved(round)
        }
        let entries = round.entries.filter { !round.postedIDs.contains($0.key) }.sorted { $0.key < $1.key }.map(\.value)
        guard !entries.isEmpty else { return }
        self.round?.postedIDs.formUnion(entries.map(\.agreementID))
        post(entries, of: round)
    }

    mutating func warnUnproved(_ round: ProofRound) {
        for (id, reason) in round.unproved.sorted(by: { $0.key < $1.key }) {
            let agreement = round.agreements[id]?.agreement
            log(.warning, "no proof for agreement \(id.shortHex)… in epoch \(round.epoch): \(reason); the chain "
                + "counts a miss", [
                    "cairn.market.file": agreement.map { "\($0.fileID.hex)" } ?? "?",
                    "cairn.market.slot": agreement.map { "\($0.slot)" } ?? "?",
                ])
        }
    }

    mutating func post(_ entries: [ProofBatch.Entry], of round: ProofRound) {
        let batches = MarketTransaction.proofBatches(
            epoch: round.epoch, entries: entries, maxTxBytes: round.maxTxBytes, maxProofs: round.maxProofs)
        log(.info, "epoch \(round.epoch): posting \(entries.count) proofs of storage in \(batches.count) "
            + "transactions")
        for batch in batches {
            effects.append(.submit(MarketTransaction.kind(.postProofs(batch)), .proofs(epoch: round.epoch)))
        }
    }

    /// The shard store answered the read of `ticket` (`StoreOperation.proveShard`).
    public mutating func proved(_ ticket: StoreTicket, _ outcome: StoreOutcome) {
        guard var round, let id = round.reading.removeValue(forKey: ticket),
              let (agreement, challenge) = round.agreements[id], let ids = slots[id]?.shards
        else { return }
        switch outcome {
        case .proof(let leaf, let path):
            let segment = challenge.segment
            if let slotPath = MerkleTree(leaves: ids).proof(forLeafAt: segment) {
                let proof = StorageProof(
                    segment: segment, leaf: challenge.leaf, leafBytes: Array(leaf.readableBytesView),
                    shardPath: path, shardID: ids[segment], slotPath: slotPath)
                do throws(StorageError) {
                    try proof.verify(
                        challenge, slotRoot: agreement.slotRoot, segmentCount: Int(agreement.segmentCount),
                        shardLength: agreement.shardLength(ofSegment: segment))
                    round.entries[id] = ProofBatch.Entry(agreementID: id, proof: proof)
                } catch {
                    round.unproved[id] = "shard \(ids[segment].hex) is corrupt (\(error))"
                }
            } else {
                round.unproved[id] = "segment \(segment) is not in the slot"
            }
        case .noSuchLeaf:
            round.unproved[id] = "shard \(ids[challenge.segment].hex) has no leaf \(challenge.leaf)"
        case .failed(let error):
            // The store's error names the shard.
            round.unproved[id] = "its shard could not be read: \(error)"
        default:
            round.unproved[id] = "the shard store gave an unexpected answer"
        }
        self.round = round
        pump()
    }
}
