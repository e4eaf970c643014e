import NIOCore

// The chain's gossip and sync (DESIGN.md §6), as the wire sees it. Transactions, proposals, votes, blocks and
// commits travel as their canonical encodings (CairnChain decodes and checks them); the wire only bounds their
// sizes and counts. Small signed messages — proposals and votes, about 200 bytes each — are pushed, since
// announcing a hash and pulling would cost more than the message. Transactions are announced by hash and pulled
// by peers that lack them, and block bodies are pulled, so no peer receives a body it already has
// (CometBFT's mempool and block-part gossip make the same split).

/// A one-way chain message.
public enum ChainAnnouncement: Hashable, Sendable {
    /// The sender's committed height and tip: sent to neighbours after each commit and periodically, so that a
    /// peer that fell behind learns whom to sync from (`ChainRequest.getBlocks`).
    case status(height: UInt64, tip: Key256)
    /// A signed proposal; its block body is pulled with `getProposedBlock`.
    case proposal(ByteBuffer)
    /// Signed prevotes and precommits, at most `ChainLimits.maxVotesPerAnnouncement`.
    case votes([ByteBuffer])
    /// Hashes of transactions in the sender's mempool, for the receiver to pull what it lacks.
    case transactionsAvailable([Key256])
}

public enum ChainRequest: Hashable, Sendable {
    /// Signed transactions by hash; the answer holds those the peer still has.
    case getTransactions([Key256])
    /// The body of a block that was proposed but may not be committed yet.
    case getProposedBlock(Key256)
    /// Committed blocks with their commits from `from` on, at most `maxCount` and what fits in one frame.
    case getBlocks(from: UInt64, maxCount: UInt16)
}

public enum ChainResponse: Hashable, Sendable {
    case transactions([ByteBuffer])
    /// Nil when the peer does not have that block.
    case proposedBlock(ByteBuffer?)
    /// Consecutive committed blocks from the height asked, each with the commit that finalised it; empty when
    /// the peer has none there.
    case blocks([CommittedBlockBytes])
}

/// A committed block and its commit (the precommit signatures of more than 2/3 of the voting power), encoded.
public struct CommittedBlockBytes: Hashable, Sendable {
    public var block: ByteBuffer
    public var commit: ByteBuffer

    public init(block: ByteBuffer, commit: ByteBuffer) {
        self.block = block
        self.commit = commit
    }
}

/// Sizes and counts the chain codec accepts.
public enum ChainLimits {
    /// Largest encoded transaction (bytes).
    public static let maxTransactionBytes = 64 * 1024
    /// Largest encoded proposal or vote (bytes).
    public static let maxSignedMessageBytes = 1024
    /// Largest encoded commit (bytes): room for about 700 validators' signatures.
    public static let maxCommitBytes = 64 * 1024
    /// Largest encoded block (bytes); a blocks answer also stays under one frame.
    public static let maxBlockBytes = 2 * 1024 * 1024
    public static let maxVotesPerAnnouncement = 256
    public static let maxHashesPerMessage = 1024
    public static let maxTransactionsPerAnswer = 1024
    public static let maxBlocksPerAnswer = 1024
}
