import CairnCrypto

/// What a transaction does. The wire tag of each case is fixed forever (`Transaction+Wire.swift`).
public enum TransactionKind: Hashable, Sendable {
    /// Moves `amount` from the sender's balance to `to`'s. Not to oneself, not zero.
    case transfer(to: PublicKey, amount: Amount)
    /// Moves `amount` from balance to stake; a stake of at least `minValidatorStake` makes a validator.
    case bond(amount: Amount)
    /// Takes `amount` out of stake; it returns to the balance `unbondingDelayBlocks` later.
    case unbond(amount: Amount)
    /// Mints the faucet's amount to the sender: test networks only, once per account per cooldown.
    case faucet
    /// A kind the ledger does not know itself (the storage market's): refused unless a `LedgerExtension`
    /// registered for `kind` accepts it. The payload is at most `SignedTransaction.maxEncodedBytes`.
    case `extension`(kind: UInt16, payload: [UInt8])
}
