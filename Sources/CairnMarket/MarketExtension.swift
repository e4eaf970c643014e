import CairnChain
import CairnCrypto
import CairnStorage
import CairnWire

/// The storage market as a ledger extension (DESIGN.md §9): put `MarketExtension(parameters:)` into the
/// chain's `LedgerExtensions`, with the parameters of the genesis (`ChainParameters.market`).
///
/// Every market transaction is `TransactionKind.extension(kind: MarketExtension.kind, payload:)`, its payload a
/// `MarketAction` (built by `MarketTransaction`). The market's escrow (`LedgerState.escrow[kind]`) holds the
/// providers' stakes and the agreements' escrow, and always equals their sum (`MarketState.heldInEscrow`).
///
/// The rules in short (each written in full beside its code in `MarketStep+*.swift`):
/// - time: epoch `e` is heights `e·L+1 … (e+1)·L`; its challenges come from the hash of block `e·L`; proofs are
///   accepted in its first `proofWindowBlocks` blocks; its last block settles it (`endBlock`);
/// - an agreement opened in epoch `e` is challenged and paid from `e + 1` for its duration; its escrow is
///   price per GiB per epoch × size in bytes / 2³⁰, rounded up to a base unit, × epochs;
/// - each epoch a provider's agreements are audited: all of them when it holds at most
///   `proofSamplePerProvider`, else a deterministic sample of that many in expectation (`isChallenged`);
/// - a proofs batch is refused whole only for what the mempool can see cheaply (wrong epoch, late, not the
///   sender's agreement, not challenged, duplicates); a proof that does not verify is counted invalid and earns
///   nothing;
/// - settlement pays the unchallenged as if proved and the proved (proposer fee per-mille to the block's
///   proposer), penalizes the missed by `min(cap, base × 2^(run − 1))` from stake into the agreement's escrow,
///   marks a run of `missesBeforeRepair` for repair, and expires and refunds what has run its course;
/// - any keeper may repair a marked slot (or one whose provider withdraws); the replacement is funded from the
///   old escrow less the repair fee, which pays the keeper.
public struct MarketExtension: LedgerExtension {
    /// The extension kind number of market transactions, fixed forever.
    public static let kind: UInt16 = 1
    public var kind: UInt16 { Self.kind }
    public let parameters: MarketParameters

    public init(parameters: MarketParameters = .localNetwork) { self.parameters = parameters }

    /// The market of a chain whose genesis has a market section; nil for a chain without one.
    public init?(chain: ChainParameters) {
        guard let market = chain.market else { return nil }
        self.init(parameters: market)
    }

    /// What `provider` must prove in the epoch of the block after `state` (`MarketState.challenges(for:parameters:)`).
    public func challenges(
        for provider: PublicKey, in state: LedgerState
    ) -> [(agreementID: Key256, challenge: StorageChallenge)] {
        MarketState.of(state).challenges(for: provider, parameters: parameters)
    }

    /// Decodes the payload and runs the rules on a copy of the state, without the proofs' hashes; nil when the
    /// transaction would apply, as far as the sender's balance can tell (the fee is checked by the ledger).
    /// Proofs pay no fee: posting them is a provider's duty each epoch, bounded by its agreements (one proof
    /// per agreement per epoch, a batch refused whole for a duplicate or a foreign agreement), and a fee would
    /// make a small agreement cost its provider more than it earns (1,000 base units a transaction against 40
    /// an epoch for a 4 MiB slot at 0.01 CRN per GiB on the local network). A check-in is free for the same
    /// reason, and bounded alike: one per registered provider per epoch.
    public func minimumFee(forPayload payload: [UInt8], chainMinimum: Amount) -> Amount {
        guard payload.count >= 2, payload[0] == MarketAction.wireVersion else { return chainMinimum }
        return payload[1] == MarketAction.proofsTag || payload[1] == MarketAction.checkInTag ? .zero : chainMinimum
    }

    public func check(_ call: ExtensionCall, in state: LedgerState) -> String? {
        do throws(ExtensionRefusal) {
            let step = try run(call, market: MarketState.of(state), verifyProofs: false)
            guard let needed = step.locked(from: call.sender) else { return "the escrow to lock overflows" }
            let available = state.balance(of: call.sender)
            guard needed <= available else {
                return "\(needed) base units are needed in escrow, \(available) are available"
            }
            return nil
        } catch {
            return error.reason
        }
    }

    public func apply(_ call: ExtensionCall, to ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        let step = try run(call, market: MarketState.of(ledger.ledger), verifyProofs: true)
        try carryOut(step, on: &ledger)
    }

    /// Settles the epoch at its last block (`MarketStep.settle`); O(1) on every other block.
    public func endBlock(_ header: BlockHeader, ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        let clock = MarketClock(parameters)
        guard clock.isLastBlock(header.height) else { return }
        var step = MarketStep(parameters: parameters, height: header.height, market: MarketState.of(ledger.ledger))
        try step.settle(proposer: header.proposer, blockHash: header.hash)
        try carryOut(step, on: &ledger)
    }

    /// The action a payload encodes, or a refusal saying what is wrong with its bytes.
    public static func decode(_ payload: [UInt8]) throws(ExtensionRefusal) -> MarketAction {
        do throws(WireError) {
            return try MarketAction(payload: payload)
        } catch {
            throw ExtensionRefusal("malformed market transaction: \(error)")
        }
    }

    func run(_ call: ExtensionCall, market: MarketState, verifyProofs: Bool) throws(ExtensionRefusal) -> MarketStep {
        let action = try Self.decode(call.payload)
        var step = MarketStep(parameters: parameters, height: call.height, market: market)
        switch action {
        case .registerProvider(let offer): try step.register(offer, sender: call.sender)
        case .updateProvider(let update): try step.update(update, sender: call.sender)
        case .withdrawProvider: try step.withdraw(sender: call.sender)
        case .openAgreements(let request):
            try step.open(request, sender: call.sender, transactionHash: call.transactionHash)
        case .renewAgreement(let id, let extra): try step.renew(id, extraEpochs: extra, sender: call.sender)
        case .endAgreement(let id): try step.end(id, sender: call.sender)
        case .postProofs(let batch): try step.postProofs(batch, sender: call.sender, verify: verifyProofs)
        case .repair(let id, let provider):
            try step.repair(id, newProvider: provider, sender: call.sender, transactionHash: call.transactionHash)
        case .checkIn: try step.checkIn(sender: call.sender)
        }
        return step
    }

    /// Locks, then releases (by account key, ascending), then the new state.
    func carryOut(_ step: MarketStep, on ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        for entry in step.locks { try ledger.lockInEscrow(from: entry.account, entry.amount) }
        for (account, amount) in step.releases.sorted(by: { $0.key.precedes($1.key) }) {
            try ledger.releaseFromEscrow(to: account, amount)
        }
        ledger.setExtensionState(step.market)
    }
}
