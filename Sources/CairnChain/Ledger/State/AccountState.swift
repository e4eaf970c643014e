import CairnCrypto

/// One account's entry in the ledger: what it holds, how many transactions it has made, what it has bonded.
public struct AccountState: Hashable, Sendable {
    /// Spendable base units.
    public var balance: Amount
    /// The nonce its next transaction must carry (the number of its transactions applied so far).
    public var nextNonce: UInt64
    /// Bonded base units (not spendable; counts for the validator set).
    public var stake: Amount
    /// The height of its last faucet request, if any.
    public var faucetLastUse: Height?

    public init(balance: Amount = .zero, nextNonce: UInt64 = 0, stake: Amount = .zero, faucetLastUse: Height? = nil) {
        self.balance = balance
        self.nextNonce = nextNonce
        self.stake = stake
        self.faucetLastUse = faucetLastUse
    }

    public static let empty = AccountState()
}

/// Stake on its way back to a balance: `amount` returns to `account` at the start of block `maturity`.
public struct Unbonding: Hashable, Sendable {
    public var account: PublicKey
    public var amount: Amount
    public var maturity: Height

    public init(account: PublicKey, amount: Amount, maturity: Height) {
        self.account = account
        self.amount = amount
        self.maturity = maturity
    }
}
