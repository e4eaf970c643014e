import CairnCrypto
import HashTreeCollections

/// The chain's state after a height: accounts, pending unbondings, escrow and the storage market's state,
/// derived only from the genesis and committed blocks, deterministically (DESIGN.md §6).
///
/// Conservation: the balances, stakes, pending unbondings and escrow always add up to `totalSupply`, which
/// only the faucet raises and fees burnt outside a block (the mempool's scratch state) lower.
public struct LedgerState: Equatable, Sendable {
    /// The height of the last block applied (0: the genesis).
    public internal(set) var height: Height
    /// The hash of the last block's header (zero at the genesis).
    public internal(set) var lastBlockHash: Key256
    /// The last block's time in ms since the Unix epoch (0 at the genesis); the next block's must be later.
    public internal(set) var lastBlockTimeMs: UInt64
    /// A persistent map (a hash trie): the mempool checks each transaction on a copy of the state, and a
    /// `Dictionary` copy is every account copied at the first change (a validator of 10,000 accounts copied
    /// them all for every transaction it checked); a trie copies the path to the one account changed.
    public internal(set) var accounts: TreeDictionary<PublicKey, AccountState>
    /// Pending unbondings by maturity height, each list in the order the unbonds were applied.
    public internal(set) var unbondings: [Height: [Unbonding]]
    /// Base units held by each ledger extension (the storage market's escrow), by extension kind.
    public internal(set) var escrow: [UInt16: Amount]
    /// Each ledger extension's own state, by extension kind.
    public internal(set) var extensionStates: ExtensionStates
    public internal(set) var totalSupply: Amount

    public init(
        height: Height = 0, lastBlockHash: Key256 = .zero, lastBlockTimeMs: UInt64 = 0,
        accounts: TreeDictionary<PublicKey, AccountState> = [:], unbondings: [Height: [Unbonding]] = [:],
        escrow: [UInt16: Amount] = [:], extensionStates: ExtensionStates = ExtensionStates(),
        totalSupply: Amount = .zero
    ) {
        self.height = height
        self.lastBlockHash = lastBlockHash
        self.lastBlockTimeMs = lastBlockTimeMs
        self.accounts = accounts
        self.unbondings = unbondings
        self.escrow = escrow
        self.extensionStates = extensionStates
        self.totalSupply = totalSupply
    }

    /// The account's entry, or an empty one (balance 0, next nonce 0) for an account never seen.
    @inlinable
    public func account(_ key: PublicKey) -> AccountState { accounts[key] ?? .empty }

    public func balance(of key: PublicKey) -> Amount { account(key).balance }
    public func stake(of key: PublicKey) -> Amount { account(key).stake }
    public func nextNonce(of key: PublicKey) -> UInt64 { account(key).nextNonce }

    /// Everything held: balances + stakes + pending unbondings + escrow; nil past `UInt64.max`. Equal to
    /// `totalSupply` in every state this code produces (the conservation check of the tests).
    public func heldTotal() -> Amount? {
        var total: UInt64 = 0
        func add(_ amount: Amount) -> Bool {
            let (sum, overflow) = total.addingReportingOverflow(amount.baseUnits)
            total = sum
            return !overflow
        }
        for entry in accounts.values { guard add(entry.balance), add(entry.stake) else { return nil } }
        for list in unbondings.values { for u in list { guard add(u.amount) else { return nil } } }
        for amount in escrow.values { guard add(amount) else { return nil } }
        return Amount(total)
    }
}
