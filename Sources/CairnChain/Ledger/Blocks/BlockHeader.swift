import CairnCrypto

/// What a block commits to (DESIGN.md §6). Its hash (SHA-256 of the canonical encoding) names the block, and
/// the next header links to it.
public struct BlockHeader: Hashable, Sendable {
    public var chainID: ChainID
    public var height: Height
    /// The hash of the block at `height - 1`; zero for height 1.
    public var previousHash: Key256
    /// The proposer's clock in ms since the Unix epoch; later than the previous block's.
    public var timeMs: UInt64
    public var proposer: PublicKey
    /// `TransactionRoot.of` the block's transaction hashes.
    public var transactionRoot: Key256
    public var transactionCount: UInt32

    public init(
        chainID: ChainID, height: Height, previousHash: Key256, timeMs: UInt64, proposer: PublicKey,
        transactionRoot: Key256, transactionCount: UInt32
    ) {
        self.chainID = chainID
        self.height = height
        self.previousHash = previousHash
        self.timeMs = timeMs
        self.proposer = proposer
        self.transactionRoot = transactionRoot
        self.transactionCount = transactionCount
    }

    /// Bytes of the encoding: version 1, chain 32, height 8, previous 32, time 8, proposer 32, root 32, count 4.
    public static let encodedByteCount = 1 + 32 + 8 + 32 + 8 + 32 + 32 + 4
}
