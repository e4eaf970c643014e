import CairnCrypto

/// An unsigned transaction (DESIGN.md §6): who acts, in which chain, in which order, for what fee, doing what.
public struct Transaction: Hashable, Sendable {
    /// The chain this transaction is for; a transaction signed for another network is refused.
    public var chainID: ChainID
    /// The account that signs, pays the fee and acts.
    public var sender: PublicKey
    /// The sender's transaction counter: starts at 0, and must equal the account's next nonce, so that each
    /// transaction applies once and in order.
    public var nonce: UInt64
    /// Base units paid to the block's proposer; at least `ChainParameters.minFee`.
    public var fee: Amount
    public var kind: TransactionKind

    public init(chainID: ChainID, sender: PublicKey, nonce: UInt64, fee: Amount, kind: TransactionKind) {
        self.chainID = chainID
        self.sender = sender
        self.nonce = nonce
        self.fee = fee
        self.kind = kind
    }
}
