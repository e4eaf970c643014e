import CairnCrypto

/// Why the mempool did not take a transaction.
public enum MempoolRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicate(Key256)
    /// The pool is at its limit and `lowestFee` (nil: nothing can be evicted) is what a transaction must beat.
    case full(count: Int, bytes: Int, lowestFee: Amount?)
    case invalid(TransactionRejection)

    public var description: String {
        switch self {
        case .duplicate(let hash): "transaction \(hash.shortHex)… is already in the mempool"
        case .full(let count, let bytes, let fee):
            "the mempool is full (\(count) transactions, \(bytes) bytes)"
                + (fee.map { "; a fee above \($0) would replace the cheapest" } ?? "")
        case .invalid(let reason): reason.description
        }
    }
}
