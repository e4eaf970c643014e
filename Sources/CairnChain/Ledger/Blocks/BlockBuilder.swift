import CairnCrypto

/// The proposer's block assembly: candidate transactions in the given order (the mempool's `reap`), each
/// kept only if it still applies to the state the ones before it left, until the block's limits are reached.
public struct BlockBuilder: Sendable {
    public let rules: LedgerRules

    public init(rules: LedgerRules) { self.rules = rules }

    /// A block at `state.height + 1` by `proposer` at `timeMs`, and the state after it. Candidates that no longer
    /// validate, or no longer fit, are skipped (returned in `skipped` with the reason, nil when they only did
    /// not fit). `signaturesVerified`: the candidates came from the mempool, which checked them.
    public func build(
        on state: LedgerState, proposer: PublicKey, timeMs: UInt64, candidates: [SignedTransaction],
        signaturesVerified: Bool = true
    ) -> (block: Block, state: LedgerState, skipped: [(hash: Key256, reason: TransactionRejection?)]) {
        let params = rules.params
        let height = state.height + 1
        var next = state
        next.matureUnbondings(at: height)
        var included: [SignedTransaction] = []
        var skipped: [(hash: Key256, reason: TransactionRejection?)] = []
        var bytes = BlockHeader.encodedByteCount
        for tx in candidates {
            guard included.count < Int(params.maxBlockTxs), bytes + 4 + tx.byteCount <= Int(params.maxBlockBytes) else {
                skipped.append((tx.hash, nil))
                continue
            }
            switch next.apply(tx, rules: rules, signatureVerified: signaturesVerified, feeRecipient: proposer) {
            case .success:
                included.append(tx)
                bytes += 4 + tx.byteCount
            case .failure(let reason):
                skipped.append((tx.hash, reason))
            }
        }
        let header = BlockHeader(
            chainID: rules.chainID, height: height, previousHash: state.lastBlockHash,
            timeMs: max(timeMs, state.lastBlockTimeMs + 1), proposer: proposer,
            transactionRoot: TransactionRoot.of(included), transactionCount: UInt32(included.count))
        next.runEndBlockHooks(header, rules: rules)
        next.height = height
        next.lastBlockHash = header.hash
        next.lastBlockTimeMs = header.timeMs
        return (Block(header: header, transactions: included), next, skipped)
    }
}
