import CairnCrypto

/// The ledger as one extension call may change it: supply-conserving moves between balances, stake and this
/// extension's escrow, and this extension's state. Every change is journaled so that a refusal undoes it.
public struct ExtensionLedger: Sendable {
    public let kind: UInt16
    /// The transaction being applied; nil in an end-of-block hook.
    public let call: ExtensionCall?
    var state: LedgerState
    private var journal: [Undo] = []

    enum Undo: Sendable {
        case account(PublicKey, AccountState?)
        case escrow(Amount?)
        case extensionState((any LedgerExtensionState)?)
    }

    init(kind: UInt16, call: ExtensionCall?, state: LedgerState) {
        self.kind = kind
        self.call = call
        self.state = state
    }

    /// Read access to the whole ledger.
    public var ledger: LedgerState { state }
    /// Base units this extension holds.
    public var escrow: Amount { state.escrow[kind] ?? .zero }
    /// This extension's state, nil until first set.
    public var extensionState: (any LedgerExtensionState)? { state.extensionStates[kind] }

    public mutating func setExtensionState(_ value: (any LedgerExtensionState)?) {
        journal.append(.extensionState(state.extensionStates[kind]))
        state.extensionStates[kind] = value
    }

    /// Moves `amount` from `account`'s balance into this extension's escrow.
    public mutating func lockInEscrow(from account: PublicKey, _ amount: Amount) throws(ExtensionRefusal) {
        let entry = state.account(account)
        guard let balance = try? entry.balance.subtracting(amount) else {
            throw ExtensionRefusal("\(amount) base units needed in escrow, \(entry.balance) available")
        }
        guard let held = try? escrow.adding(amount) else { throw ExtensionRefusal("escrow would overflow") }
        setAccount(account) { $0.balance = balance }
        setEscrow(held)
    }

    /// Moves `amount` from this extension's escrow to `account`'s balance.
    public mutating func releaseFromEscrow(to account: PublicKey, _ amount: Amount) throws(ExtensionRefusal) {
        guard let held = try? escrow.subtracting(amount) else {
            throw ExtensionRefusal("cannot release \(amount) base units: the escrow holds \(escrow)")
        }
        guard let balance = try? state.account(account).balance.adding(amount) else {
            throw ExtensionRefusal("the balance would overflow")
        }
        setEscrow(held)
        setAccount(account) { $0.balance = balance }
    }

    /// Takes `amount` of `account`'s stake into this extension's escrow (a penalty).
    public mutating func slashStake(of account: PublicKey, _ amount: Amount) throws(ExtensionRefusal) {
        let entry = state.account(account)
        guard let stake = try? entry.stake.subtracting(amount) else {
            throw ExtensionRefusal("cannot take \(amount) base units of stake: the stake is \(entry.stake)")
        }
        guard let held = try? escrow.adding(amount) else { throw ExtensionRefusal("escrow would overflow") }
        setAccount(account) { $0.stake = stake }
        setEscrow(held)
    }

    mutating func setAccount(_ key: PublicKey, _ change: (inout AccountState) -> Void) {
        journal.append(.account(key, state.accounts[key]))
        change(&state.accounts[key, default: .empty])
    }

    private mutating func setEscrow(_ amount: Amount) {
        journal.append(.escrow(state.escrow[kind]))
        state.escrow[kind] = amount
    }

    /// Undoes every journaled change, newest first.
    mutating func rollBack() {
        while let undo = journal.popLast() {
            switch undo {
            case .account(let key, let previous): state.accounts[key] = previous
            case .escrow(let previous): state.escrow[kind] = previous
            case .extensionState(let previous): state.extensionStates[kind] = previous
            }
        }
    }
}
