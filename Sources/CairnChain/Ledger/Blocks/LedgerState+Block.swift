import CairnCrypto

extension LedgerState {
    /// The state after `block`, or why the block does not apply. Deterministic: the same block on the same
    /// state gives the same state on every peer.
    ///
    /// Order: the header is checked against this state (chain, height, previous hash, time, count, root,
    /// limits); unbondings maturing at the block's height return to their balances; then the transactions
    /// apply one by one, each paying its fee to the proposer; then the ledger extensions' end-of-block hooks run
    /// (`LedgerExtension.endBlock`, ascending kind). `signaturesVerified`: the caller has checked
    /// every signature (its own proposal, or the mempool did) and Ed25519 need not run again.
    public func applyingBlock(
        _ block: Block, rules: LedgerRules, signaturesVerified: Bool
    ) -> Result<LedgerState, BlockRejection> {
        let header = block.header
        let params = rules.params
        guard header.chainID == rules.chainID else {
            return .failure(.wrongChain(expected: rules.chainID, found: header.chainID))
        }
        guard header.height == height + 1 else {
            return .failure(.wrongHeight(expected: height + 1, found: header.height))
        }
        guard header.previousHash == lastBlockHash else {
            return .failure(.wrongPreviousHash(expected: lastBlockHash, found: header.previousHash))
        }
        guard header.timeMs > lastBlockTimeMs else {
            return .failure(.timeNotAfterPrevious(time: header.timeMs, previous: lastBlockTimeMs))
        }
        guard Int(header.transactionCount) == block.transactions.count else {
            return .failure(.transactionCountMismatch(header: header.transactionCount, body: block.transactions.count))
        }
        guard block.transactions.count <= Int(params.maxBlockTxs) else {
            return .failure(.tooManyTransactions(count: block.transactions.count, max: params.maxBlockTxs))
        }
        let bytes = block.byteCount
        guard bytes <= Int(params.maxBlockBytes) else {
            return .failure(.tooLarge(bytes: bytes, max: params.maxBlockBytes))
        }
        let root = TransactionRoot.of(block.transactions)
        guard root == header.transactionRoot else {
            return .failure(.transactionRootMismatch(header: header.transactionRoot, computed: root))
        }

        var next = self
        next.matureUnbondings(at: header.height)
        for (index, tx) in block.transactions.enumerated() {
            if case .failure(let reason) = next.apply(
                tx, rules: rules, signatureVerified: signaturesVerified, feeRecipient: header.proposer)
            {
                return .failure(.invalidTransaction(index: index, hash: tx.hash, reason))
            }
        }
        next.runEndBlockHooks(header, rules: rules)
        next.height = header.height
        next.lastBlockHash = header.hash
        next.lastBlockTimeMs = header.timeMs
        return .success(next)
    }

    /// Applies `block` in place; on refusal this state is unchanged.
    public mutating func applyBlock(
        _ block: Block, rules: LedgerRules, signaturesVerified: Bool
    ) -> Result<Void, BlockRejection> {
        applyingBlock(block, rules: rules, signaturesVerified: signaturesVerified).map { self = $0 }
    }

    /// `applyBlock` for a chain without ledger extensions.
    public mutating func applyBlock(
        _ block: Block, params: ChainParameters, chainID: ChainID, signaturesVerified: Bool
    ) -> Result<Void, BlockRejection> {
        applyBlock(block, rules: LedgerRules(params: params, chainID: chainID), signaturesVerified: signaturesVerified)
    }

    /// Runs every extension's `endBlock` after the block's transactions, in ascending kind order. A hook's
    /// refusal undoes that hook's changes only; the block applies regardless, alike on every peer.
    mutating func runEndBlockHooks(_ header: BlockHeader, rules: LedgerRules) {
        guard !rules.extensions.byKind.isEmpty else { return }
        for kind in rules.extensions.byKind.keys.sorted() {
            guard let ext = rules.extensions.byKind[kind] else { continue }
            var ledger = ExtensionLedger(kind: kind, call: nil, state: LedgerState())
            swap(&ledger.state, &self)
            do throws(ExtensionRefusal) {
                try ext.endBlock(header, ledger: &ledger)
            } catch {
                ledger.rollBack()
            }
            swap(&ledger.state, &self)
        }
    }

    /// Returns the stake of unbondings maturing at `height` to their accounts' balances (at the start of the
    /// block: it is spendable in that very block).
    mutating func matureUnbondings(at height: Height) {
        guard let due = unbondings.removeValue(forKey: height) else { return }
        for unbonding in due {
            // The amount left a stake counted in the supply, so the balance cannot overflow.
            accounts[unbonding.account, default: .empty].balance.baseUnits += unbonding.amount.baseUnits
        }
    }
}
