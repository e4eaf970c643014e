/// Why the ledger refuses a transaction: each case carries the values a person needs to act on it, and
/// `description` is the sentence shown to them. A refused transaction changes nothing.
public enum TransactionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case wrongChain(expected: ChainID, found: ChainID)
    case badSignature
    /// Replay: this nonce was used by an applied transaction.
    case nonceAlreadyUsed(nonce: UInt64, next: UInt64)
    /// A gap: earlier nonces are still missing.
    case nonceGap(nonce: UInt64, next: UInt64)
    case feeBelowMinimum(fee: Amount, minimum: Amount)
    case insufficientFunds(needed: Amount, available: Amount)
    /// An amount would pass `UInt64.max` base units; `what` names which.
    case overflow(what: String)
    case transferToSelf
    /// A transfer, bond or unbond of nothing; `kind` names which.
    case zeroAmount(kind: String)
    case stakeBelowUnbond(stake: Amount, requested: Amount)
    case faucetAbsent
    case faucetCooldown(lastUse: Height, nextAllowed: Height)
    case unknownKind(UInt16)
    case oversized(bytes: Int, max: Int)
    /// A registered ledger extension refused it.
    case extensionRefused(kind: UInt16, reason: String)

    public var description: String {
        switch self {
        case .wrongChain(let expected, let found):
            "the transaction is for chain \(found.hash.shortHex)…, not this chain \(expected.hash.shortHex)…"
        case .badSignature: "the signature is not the sender's signature of this transaction"
        case .nonceAlreadyUsed(let nonce, let next): "nonce \(nonce) already used, next is \(next)"
        case .nonceGap(let nonce, let next): "nonce \(nonce) is ahead of the account: next is \(next)"
        case .feeBelowMinimum(let fee, let minimum): "fee \(fee) is below the minimum fee \(minimum)"
        case .insufficientFunds(let needed, let available):
            "insufficient funds: \(needed) base units needed (amount and fee), \(available) available"
        case .overflow(let what): "\(what) would exceed the largest amount (\(UInt64.max) base units)"
        case .transferToSelf: "a transfer to the sender itself"
        case .zeroAmount(let kind): "a \(kind) of 0"
        case .stakeBelowUnbond(let stake, let requested):
            "cannot unbond \(requested) base units: the stake is only \(stake)"
        case .faucetAbsent: "this chain has no faucet"
        case .faucetCooldown(let lastUse, let nextAllowed):
            "the faucet was used by this account at height \(lastUse); next allowed at height \(nextAllowed)"
        case .unknownKind(let kind): "unknown transaction kind \(kind)"
        case .oversized(let bytes, let max): "the transaction is \(bytes) bytes, more than the \(max) allowed"
        case .extensionRefused(let kind, let reason): "transaction kind \(kind) refused: \(reason)"
        }
    }
}
