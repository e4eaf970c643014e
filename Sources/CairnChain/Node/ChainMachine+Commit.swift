import CairnCrypto
import CairnWire
import NIOCore

/// Applying a committed block, whichever way it came (consensus or sync).
extension ChainMachine {
    /// Applies `block`, final by `commit`, to the ledger and moves every part of the machine to the next height;
    /// returns the block as the store keeps it, or nil (logged) when it does not apply. `encodedCommit`: the
    /// commit's bytes when they came with it (sync), so that they are not encoded again; `body`: `encoded`'s
    /// bytes when the caller has them as an array already.
    mutating func applyCommitted(
        _ block: Block, encoded: ByteBuffer, body: [UInt8]? = nil, commit: Commit, encodedCommit: ByteBuffer? = nil,
        signaturesVerified: Bool
    ) -> StoredBlock? {
        let height = block.header.height
        let parent = ledger.lastBlockHash
        let previous = validators
        if let memo = config.appliedBlocks, let entry = memo.entry(
            parent: parent, block: block.hash, signaturesVerified: signaturesVerified, validators: validators)
        {
            ledger = entry.ledger
            validators = entry.validatorsAfter
        } else {
            switch ledger.applyingBlock(block, rules: rules, signaturesVerified: signaturesVerified) {
            case .failure(let reason):
                log(.warning, "committed block \(height) (\(block.hash.shortHex)) does not apply here: \(reason)")
                return nil
            case .success(let next):
                ledger = next
            }
            validators = Self.nextValidators(after: validators, ledger: ledger, params: params, block: block)
            config.appliedBlocks?.remember(
                parent: parent, block: block.hash, height: height, signaturesVerified: signaturesVerified,
                AppliedBlockMemo.Entry(ledger: ledger, validatorsBefore: previous, validatorsAfter: validators))
        }
        let signed = commit.signatures.reduce(UInt64(0)) { sum, entry in
            Int(entry.validatorIndex) < previous.count ? sum + previous[Int(entry.validatorIndex)].power : sum
        }
        lastCommitPower = previous.totalPower > 0 ? Double(signed) / Double(previous.totalPower) : 0
        // A PeerID is a SHA-256 of the key: recomputed only when the members change, not every block.
        if validators.validators != previous.validators { validatorPeers = peers(of: validators) }
        mempool.update(afterCommitting: block, newState: ledger)
        reportDroppedOwnTransactions(after: block)
        sync.applied(height: height)
        proposed = [:]
        awaitingBody = [:]
        bodyAsked = [:]
        ownMessages = []
        pendingCommit = nil
        let commitBuffer = encodedCommit ?? {
            var buffer = ByteBuffer()
            buffer.writeCommit(commit)
            return buffer
        }()
        remember(RecentBlock(hash: block.hash, block: encoded, commit: commitBuffer), at: height)
        actions.append(.committed(height: height, hash: block.hash, transactions: block.transactions.count))
        return StoredBlock(
            height: height, hash: block.hash, body: body ?? Array(encoded.readableBytesView),
            commit: Array(commitBuffer.readableBytesView),
            transactions: block.transactions.map { StoredBlock.Transaction(hash: $0.hash, accounts: Self.accounts(of: $0)) })
    }

    /// Keeps committed block `height` in `recent`, dropping the oldest beyond `recentBlocks` blocks or
    /// `recentBlockBytes` bytes (the newest is kept whatever its size). Heights come in order, one after another.
    mutating func remember(_ entry: RecentBlock, at height: Height) {
        if let old = recent.updateValue(entry, forKey: height) { recentBytes -= old.byteCount }
        recentBytes += entry.byteCount
        var oldest = height + 1 - Height(recent.count)
        while oldest < height, recent.count > config.recentBlocks || recentBytes > config.recentBlockBytes {
            if let dropped = recent.removeValue(forKey: oldest) { recentBytes -= dropped.byteCount }
            oldest += 1
        }
    }

    /// The accounts a transaction touches, for the history index: its sender and any recipient.
    static func accounts(of tx: SignedTransaction) -> [[UInt8]] {
        var accounts = [tx.transaction.sender.bytes]
        if case .transfer(let to, _) = tx.transaction.kind, to != tx.transaction.sender { accounts.append(to.bytes) }
        return accounts
    }

    /// A write is durable: what waited for it goes on.
    public mutating func persisted(_ ticket: ChainWriteTicket, now: Instant) {
        switch writes.removeValue(forKey: ticket) {
        case .broadcast(let message)?:
            broadcast(message)
        case .decided(let height)?:
            decidedBlockStored(height, now: now)
        case .synced?:
            let source = heightSource.flatMap { $0.height >= ledger.height ? $0.peer : nil }
            announceStatus(validatorsToo: false, relayingFrom: source)
            resumeAfterSync(now: now)
        case nil:
            break
        }
    }
}
