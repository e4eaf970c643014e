import CairnCrypto

/// A header and its transactions, in the order they apply.
public struct Block: Hashable, Sendable {
    public var header: BlockHeader
    public var transactions: [SignedTransaction]

    /// The codec's hard limit on one encoded block; `ChainParameters.maxBlockBytes` may only be lower.
    public static let maxEncodedBytes = 64 << 20

    public init(header: BlockHeader, transactions: [SignedTransaction]) {
        self.header = header
        self.transactions = transactions
    }

    /// The header's hash.
    public var hash: Key256 { header.hash }

    /// Bytes of the encoding: the header, then each transaction behind a u32 length.
    public var byteCount: Int { transactions.reduce(BlockHeader.encodedByteCount) { $0 + 4 + $1.byteCount } }
}
