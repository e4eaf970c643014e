import CairnCrypto

/// A committed block as stored: its encoding, its commit's encoding, and (when appending) its transactions for
/// the indexes.
public struct StoredBlock: Hashable, Sendable {
    public struct Transaction: Hashable, Sendable {
        public var hash: Key256
        /// The accounts (32-byte keys) the transaction touches: its sender and any recipient.
        public var accounts: [[UInt8]]

        public init(hash: Key256, accounts: [[UInt8]]) {
            self.hash = hash
            self.accounts = accounts
        }
    }

    public var height: UInt64
    public var hash: Key256
    public var body: [UInt8]
    public var commit: [UInt8]
    /// Filled when appending; empty when read back.
    public var transactions: [Transaction]

    public init(height: UInt64, hash: Key256, body: [UInt8], commit: [UInt8], transactions: [Transaction]) {
        self.height = height
        self.hash = hash
        self.body = body
        self.commit = commit
        self.transactions = transactions
    }
}

/// A committed transaction's place: the block's height and its index in the block.
public struct TransactionLocation: Hashable, Sendable {
    public var height: UInt64
    public var position: Int

    public init(height: UInt64, position: Int) {
        self.height = height
        self.position = position
    }
}
