import CairnCrypto

/// A transaction kind the ledger does not know itself (the storage market's), plugged in by kind number.
///
/// The extension keeps its own state inside `LedgerState` (`LedgerExtensionState`, one value per kind) and
/// moves balances only through `ExtensionLedger`'s operations, each of which conserves the total supply
/// (balance ↔ escrow, stake → escrow). A refusal from `apply` undoes everything the call did, the fee included.
public protocol LedgerExtension: Sendable {
    /// The `TransactionKind.extension` kind number this extension handles.
    var kind: UInt16 { get }

    /// Read-only check of `call` against `state` (before the fee is taken): nil to accept, or the reason it is
    /// refused. The mempool and the block builder rely on it; keep it cheap.
    func check(_ call: ExtensionCall, in state: LedgerState) -> String?

    /// The smallest fee a call with this payload must pay: `chainMinimum` (the genesis `min_fee`) unless the
    /// extension waives it for a duty its rules bound (the market's proofs, which a provider must post every
    /// epoch and can post once per agreement). A cheap look at the payload; a malformed one is refused later.
    func minimumFee(forPayload payload: [UInt8], chainMinimum: Amount) -> Amount

    /// Applies an accepted call. Throwing refuses the transaction; the ledger then undoes the call's changes.
    func apply(_ call: ExtensionCall, to ledger: inout ExtensionLedger) throws(ExtensionRefusal)

    /// Runs after the block's transactions, in ascending kind order (the storage market settles an epoch here).
    /// `ledger.call` is nil. Throwing undoes this hook's changes and the block still applies, alike on every
    /// peer: a hook should not throw. Keep it O(1) on most blocks. The default does nothing.
    func endBlock(_ header: BlockHeader, ledger: inout ExtensionLedger) throws(ExtensionRefusal)
}

extension LedgerExtension {
    public func endBlock(_ header: BlockHeader, ledger: inout ExtensionLedger) throws(ExtensionRefusal) {}
}

extension LedgerExtension {
    public func minimumFee(forPayload payload: [UInt8], chainMinimum: Amount) -> Amount { chainMinimum }
}

/// One extension transaction as the extension sees it.
public struct ExtensionCall: Sendable {
    public let sender: PublicKey
    public let payload: [UInt8]
    /// The height of the block that includes it.
    public let height: Height
    public let transactionHash: Key256

    public init(sender: PublicKey, payload: [UInt8], height: Height, transactionHash: Key256) {
        self.sender = sender
        self.payload = payload
        self.height = height
        self.transactionHash = transactionHash
    }
}

/// An extension's refusal, in words a person reads.
public struct ExtensionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// An extension's own state. Equality is needed so that whole ledger states compare (determinism tests), and
/// canonical bytes so that they hash alike on every peer (`LedgerState.digest`).
public protocol LedgerExtensionState: Sendable {
    func isEqual(to other: any LedgerExtensionState) -> Bool
    /// One encoding per value, independent of dictionary order.
    var canonicalBytes: [UInt8] { get }
}

extension LedgerExtensionState where Self: Equatable {
    public func isEqual(to other: any LedgerExtensionState) -> Bool { (other as? Self) == self }
}

/// The extensions' states by kind, comparable as a whole.
public struct ExtensionStates: Equatable, Sendable {
    public internal(set) var byKind: [UInt16: any LedgerExtensionState] = [:]
    public init() {}

    public subscript(kind: UInt16) -> (any LedgerExtensionState)? {
        get { byKind[kind] }
        set { byKind[kind] = newValue }
    }

    public static func == (lhs: ExtensionStates, rhs: ExtensionStates) -> Bool {
        guard lhs.byKind.count == rhs.byKind.count else { return false }
        return lhs.byKind.allSatisfy { kind, state in rhs.byKind[kind].map { state.isEqual(to: $0) } ?? false }
    }
}

/// The extensions a chain runs, by kind. `LedgerExtensions.none` refuses every extension transaction.
public struct LedgerExtensions: Sendable {
    public let byKind: [UInt16: any LedgerExtension]
    public static let none = LedgerExtensions([])

    /// The last extension given for a kind wins.
    public init(_ extensions: [any LedgerExtension]) {
        var byKind: [UInt16: any LedgerExtension] = [:]
        for ext in extensions { byKind[ext.kind] = ext }
        self.byKind = byKind
    }
}
