import CairnCrypto

/// Transactions waiting for a block (DESIGN.md §1: a pure machine). A transaction enters only if its signature
/// holds and it applies to the committed state plus the pool's earlier transactions (`pending`), so one
/// account can queue nonces n, n+1, n+2 before a block takes any. Bounded by count and bytes; when full, a
/// higher fee evicts the lowest-fee transaction that is last in its sender's queue (evicting from the middle
/// would strand the sender's later nonces).
public struct Mempool: Sendable {
    public struct Limits: Hashable, Sendable {
        public var maxCount: Int
        public var maxBytes: Int
        public init(maxCount: Int, maxBytes: Int) {
            self.maxCount = maxCount
            self.maxBytes = maxBytes
        }
    }

    struct Entry: Sendable {
        let tx: SignedTransaction
        /// Arrival order; a sender's entries arrive in nonce order.
        let sequence: UInt64
    }

    public let rules: LedgerRules
    public let limits: Limits
    /// The state of the last committed block.
    public private(set) var committed: LedgerState
    /// `committed` with every pooled transaction applied in arrival order (fees burnt): what a new one must fit.
    public private(set) var pending: LedgerState
    var entries: [Key256: Entry] = [:]
    /// Each sender's pooled transactions, in nonce order.
    var bySender: [PublicKey: [Key256]] = [:]
    public private(set) var totalBytes = 0
    private var nextSequence: UInt64 = 0

    public init(rules: LedgerRules, limits: Limits, committed: LedgerState) {
        self.rules = rules
        self.limits = limits
        self.committed = committed
        self.pending = committed
    }

    public var count: Int { entries.count }

    /// The pooled transaction with this hash (gossip pulls).
    public subscript(hash: Key256) -> SignedTransaction? { entries[hash]?.tx }

    public func contains(_ hash: Key256) -> Bool { entries[hash] != nil }

    /// Every pooled hash, in arrival order.
    public var hashes: [Key256] { inArrivalOrder(entries.keys) }

    /// Those of `hashes` that are pooled, in arrival order (a sender's in nonce order); sorts only them.
    public func inArrivalOrder<Hashes: Sequence<Key256>>(_ hashes: Hashes) -> [Key256] {
        hashes.compactMap { entries[$0] }.sorted { $0.sequence < $1.sequence }.map(\.tx.hash)
    }

    /// Adds `tx` or says why not. `signatureVerified`: skip Ed25519 when the caller checked it already.
    public mutating func add(_ tx: SignedTransaction, signatureVerified: Bool = false) -> Result<Void, MempoolRejection>
    {
        guard entries[tx.hash] == nil else { return .failure(.duplicate(tx.hash)) }
        if case .failure(let reason) = pending.validate(tx, rules: rules, signatureVerified: signatureVerified) {
            return .failure(.invalid(reason))
        }
        if entries.count + 1 > limits.maxCount || totalBytes + tx.byteCount > limits.maxBytes {
            guard tx.byteCount <= limits.maxBytes, limits.maxCount > 0 else {
                return .failure(.full(count: entries.count, bytes: totalBytes, lowestFee: nil))
            }
            guard let victims = evictionVictims(for: tx) else {
                return .failure(.full(count: entries.count, bytes: totalBytes, lowestFee: lowestEvictableFee(for: tx)))
            }
            for hash in victims { remove(hash) }
            rebuildPending()
            // An evicted transfer may have funded this one.
            if case .failure(let reason) = pending.validate(tx, rules: rules, signatureVerified: true) {
                return .failure(.invalid(reason))
            }
        }
        _ = pending.apply(tx, rules: rules, signatureVerified: true)
        entries[tx.hash] = Entry(tx: tx, sequence: nextSequence)
        nextSequence += 1
        bySender[tx.transaction.sender, default: []].append(tx.hash)
        totalBytes += tx.byteCount
        return .success(())
    }

    /// After a block commits: forgets its transactions, takes `state` as the committed state, and drops every
    /// pooled transaction that no longer applies (its nonce was used, its funds went elsewhere), with the same
    /// sender's later ones.
    public mutating func update(afterCommitting block: Block, newState state: LedgerState) {
        for tx in block.transactions where entries[tx.hash] != nil { remove(tx.hash) }
        committed = state
        rebuildPending()
    }

    /// Replays the pool on the committed state in arrival order, dropping what no longer applies.
    mutating func rebuildPending() {
        var state = committed
        for entry in entries.values.sorted(by: { $0.sequence < $1.sequence }) {
            if case .failure = state.apply(entry.tx, rules: rules, signatureVerified: true) { remove(entry.tx.hash) }
        }
        pending = state
    }

    mutating func remove(_ hash: Key256) {
        guard let entry = entries.removeValue(forKey: hash) else { return }
        totalBytes -= entry.tx.byteCount
        let sender = entry.tx.transaction.sender
        bySender[sender]?.removeAll { $0 == hash }
        if bySender[sender]?.isEmpty == true { bySender[sender] = nil }
    }
}
