import CairnCrypto
import CairnWire
import NIOCore

/// The machine's inputs: announcements, requests, answers, timers, and transactions submitted here.
extension ChainMachine {
    /// A one-way chain message from the authenticated peer `peer`. Bytes that do not decode are dropped (and
    /// logged): gossip never answers.
    public mutating func announced(_ announcement: ChainAnnouncement, from peer: PeerID, now: Instant) {
        switch announcement {
        case .status(let height, let tip):
            statusArrived(height: height, tip: tip, from: peer, now: now)
        case .proposal(var bytes):
            guard let proposal = try? bytes.readSignedProposal(), bytes.readableBytes == 0 else {
                return log(.debug, "peer \(peer.shortHex) sent a proposal that does not decode")
            }
            proposalArrived(proposal, from: peer, now: now)
        case .votes(let votes):
            for var bytes in votes {
                guard let vote = try? bytes.readSignedVote(), bytes.readableBytes == 0 else {
                    log(.debug, "peer \(peer.shortHex) sent a vote that does not decode")
                    continue
                }
                voteArrived(vote, from: peer, now: now)
            }
        case .transactionsAvailable(let hashes):
            transactionsAnnounced(hashes, by: peer)
        }
    }

    mutating func voteArrived(_ vote: SignedVote, from peer: PeerID, now: Instant) {
        // A vote two heights or more ahead: its sender committed at least the height before it, and this
        // validator, which missed that commit, syncs it (the signature is not checked: the claim is only a
        // hint, which the sync believes no further than the blocks it is served).
        if vote.vote.height > ledger.height + 1 {
            sync.peerReported(peer, height: vote.vote.height - 1)
            return requestBlocks()
        }
        // Through the optional, in place: a copy in a local shares the height's vote tallies with `consensus`,
        // and counting the vote then copies the round's whole tally (a third of a simulated chain's time).
        guard consensus != nil else { return }
        let produced = consensus!.voteReceived(vote, now: now)
        carryOut(produced, now: now)
    }

    /// A chain request from `peer`: answered from memory, or by the host from its store.
    public func serve(_ request: ChainRequest) -> ChainServing {
        switch request {
        case .getTransactions(let hashes):
            return .answer(.transactions(hashes.compactMap { mempool[$0].map { ByteBuffer(bytes: $0.encoded) } }))
        case .getProposedBlock(let hash):
            if let entry = proposed[hash] { return .answer(.proposedBlock(entry.encoded)) }
            return .answer(.proposedBlock(recent.values.first { $0.hash == hash }?.block))
        case .getBlocks(let from, let maxCount):
            let count = min(Int(maxCount), config.maxBlocksPerAnswer)
            guard from >= 1, from <= ledger.height, count > 0 else { return .answer(.blocks([])) }
            let last = min(ledger.height, from + Height(count) - 1)
            guard recent[from] != nil else {
                return .readBlocks(from: from, maxCount: Int(last - from + 1), maxBytes: config.maxBytesPerAnswer)
            }
            var blocks: [CommittedBlockBytes] = []
            var bytes = 0
            for height in from...last {
                guard let entry = recent[height] else { break }
                bytes += entry.block.readableBytes + entry.commit.readableBytes
                if !blocks.isEmpty && bytes > config.maxBytesPerAnswer { break }
                blocks.append(CommittedBlockBytes(block: entry.block, commit: entry.commit))
            }
            return .answer(.blocks(blocks))
        }
    }

    /// The answer to request `id` (nil: it failed or timed out).
    public mutating func answered(_ id: ChainRequestID, _ response: ChainResponse?, now: Instant) {
        guard let purpose = requests.removeValue(forKey: id) else { return }
        switch purpose {
        case .transactions(let hashes):
            pulling.subtract(hashes)
            guard case .transactions(let list)? = response else { return }
            for bytes in list {
                guard let tx = try? SignedTransaction(decoding: Array(bytes.readableBytesView)) else { continue }
                _ = mempool.add(tx)
            }
        case .proposedBlock(let hash, let peer):
            if case .proposedBlock(let bytes)? = response {
                bodyArrived(hash, bytes: bytes, from: peer, now: now)
            } else {
                bodyArrived(hash, bytes: nil, from: peer, now: now)
            }
        case .blocks(let from):
            if case .blocks(let blocks)? = response {
                blocksArrived(from: from, blocks, now: now)
            } else {
                blocksArrived(from: from, nil, now: now)
            }
        }
    }

    public mutating func timerFired(_ timer: ChainTimer, now: Instant) {
        switch timer {
        case .consensus(let timeout):
            guard var machine = consensus else { return }
            let produced = machine.timeoutFired(timeout, now: now)
            consensus = machine
            carryOut(produced, now: now)
        case .nextHeight(let height):
            nextHeightDue(height, now: now)
        case .regossip:
            actions.append(.armTimer(.regossip, at: now + config.regossipInterval))
            // Only a height undecided for a whole interval: one that decides in time needs no second copy.
            if let machine = consensus, machine.decision == nil, now - heightStartedAt >= config.regossipInterval {
                for message in ownMessages where message.height == machine.height { send(message) }
            }
            requestBlocks()
            regossipOwnTransactions()
            if consensus == nil, !sync.isBehind { startConsensusIfValidator(now: now) }
        case .status:
            actions.append(.armTimer(.status, at: now + config.statusInterval))
            announceStatus(validatorsToo: true)
        }
    }

    // MARK: Transactions

    /// A signed transaction submitted on this peer (its canonical bytes): into the mempool, and announced to
    /// the validators. Returns its hash, or why it was refused (nothing changes then).
    public mutating func submit(_ bytes: [UInt8]) -> Result<Key256, TransactionSubmissionError> {
        let tx: SignedTransaction
        do {
            tx = try SignedTransaction(decoding: bytes)
        } catch {
            return .failure(.undecodable("\(error)"))
        }
        if case .failure(let reason) = mempool.add(tx) { return .failure(.refused(reason)) }
        for peer in validatorPeers { actions.append(.announce(.transactionsAvailable([tx.hash]), to: peer)) }
        ownTransactions[tx.hash] = OwnTransaction(tx: tx)
        return .success(tx.hash)
    }

    /// Announces again, in one message per validator, this peer's transactions that are still pending a whole
    /// regossip interval after they were submitted. An announcement is sent once and a pull can fail (a
    /// connection closed, a validator restarting, a nonce that arrived before its predecessor and was refused):
    /// without a second one the transaction, and every later one of its sender queued behind its nonce, never
    /// reached a block — a put's agreements were then never opened and its providers refused to keep its
    /// shards. A validator that has the transaction pulls nothing (`transactionsAnnounced`). As wallets
    /// rebroadcast their own unconfirmed transactions (Bitcoin Core's `ResendWalletTransactions`).
    mutating func regossipOwnTransactions() {
        guard !ownTransactions.isEmpty else { return }
        var due: [Key256] = []
        for (hash, own) in ownTransactions where mempool.contains(hash) {
            ownTransactions[hash]!.ticks = own.ticks + 1
            if own.ticks >= 1 { due.append(hash) }
        }
        guard !due.isEmpty else { return }
        // Oldest first, so that a validator pulling them adds each sender's nonces in order.
        let ordered = mempool.inArrivalOrder(due).prefix(ChainLimits.maxHashesPerMessage)
        for peer in validatorPeers { actions.append(.announce(.transactionsAvailable(Array(ordered)), to: peer)) }
    }

    /// After `block` is applied and the mempool updated: forgets this peer's transactions the block took, and
    /// reports (`ChainAction.dropped`) those the mempool no longer holds. Every peer drops the same ones, as it
    /// replays its pool on the same committed state, so no block can take them later. Without this report, a
    /// proof batch that came too late dropped the same account's later transactions with it (the ends of a
    /// deleted file's agreements, the opening of another put's) and nobody knew: a deleted file's owner kept
    /// paying escrow, and a put failed with no agreement committed.
    mutating func reportDroppedOwnTransactions(after block: Block) {
        guard !ownTransactions.isEmpty else { return }
        for tx in block.transactions { ownTransactions[tx.hash] = nil }
        let dropped = ownTransactions.values.filter { !mempool.contains($0.tx.hash) }.map(\.tx)
            .sorted { $0.transaction.nonce < $1.transaction.nonce }
        guard !dropped.isEmpty else { return }
        for tx in dropped { ownTransactions[tx.hash] = nil }
        actions.append(.dropped(dropped))
    }

    /// The next nonce `account` should sign with: its committed nonce plus its transactions in the mempool.
    public func nextNonce(of account: PublicKey) -> UInt64 {
        mempool.pending.nextNonce(of: account)
    }

    mutating func transactionsAnnounced(_ hashes: [Key256], by peer: PeerID) {
        // Only validators propose blocks, so only they keep others' transactions.
        guard isValidator else { return }
        let missing = hashes.filter { !mempool.contains($0) && !pulling.contains($0) }
        guard !missing.isEmpty else { return }
        pulling.formUnion(missing)
        newRequest(.transactions(missing), .getTransactions(missing), to: peer)
    }
}

/// Why a submitted transaction was refused.
public enum TransactionSubmissionError: Error, Hashable, Sendable, CustomStringConvertible {
    case undecodable(String)
    case refused(MempoolRejection)

    public var description: String {
        switch self {
        case .undecodable(let what): "the transaction does not decode: \(what)"
        case .refused(let reason): "the transaction was refused: \(reason)"
        }
    }
}
