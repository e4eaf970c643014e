import CairnCrypto

/// Why a block does not apply to a state. A refused block changes nothing.
public enum BlockRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongChain(expected: ChainID, found: ChainID)
    case wrongHeight(expected: Height, found: Height)
    case wrongPreviousHash(expected: Key256, found: Key256)
    case timeNotAfterPrevious(time: UInt64, previous: UInt64)
    case transactionCountMismatch(header: UInt32, body: Int)
    case transactionRootMismatch(header: Key256, computed: Key256)
    case tooManyTransactions(count: Int, max: UInt32)
    case tooLarge(bytes: Int, max: UInt32)
    /// The transaction at `index` (0-based) does not apply to the state the ones before it left.
    case invalidTransaction(index: Int, hash: Key256, TransactionRejection)
    /// Applying the block would leave more or less held than the supply: a bug in the rules, never the block's.
    case supplyNotConserved

    public var description: String {
        switch self {
        case .wrongChain(let expected, let found):
            "the block is for chain \(found.hash.shortHex)…, not \(expected.hash.shortHex)…"
        case .wrongHeight(let expected, let found): "the block's height is \(found), the next height is \(expected)"
        case .wrongPreviousHash(let expected, let found):
            "the block follows \(found.shortHex)…, but the last block is \(expected.shortHex)…"
        case .timeNotAfterPrevious(let time, let previous):
            "the block's time \(time) ms is not after the previous block's \(previous) ms"
        case .transactionCountMismatch(let header, let body):
            "the header counts \(header) transactions but the block holds \(body)"
        case .transactionRootMismatch(let header, let computed):
            "the header's transaction root \(header.shortHex)… is not the transactions' root \(computed.shortHex)…"
        case .tooManyTransactions(let count, let max): "the block holds \(count) transactions, at most \(max) allowed"
        case .tooLarge(let bytes, let max): "the block is \(bytes) bytes, at most \(max) allowed"
        case .invalidTransaction(let index, let hash, let reason):
            "transaction \(index) (\(hash.shortHex)…) is invalid: \(reason)"
        case .supplyNotConserved: "the block would not conserve the total supply"
        }
    }
}
