import CairnCrypto
import Testing

@testable import CairnChain

/// An extension with only an end-of-block hook: every block it pays 1 base unit of the escrow to the proposer,
/// after the deposits made in the block; at `refuseAt` it pays, then refuses (its changes must be undone).
struct PayoutExtension: LedgerExtension {
    struct State: LedgerExtensionState, Equatable {
        var blocks: UInt64 = 0
        var canonicalBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: blocks >> (56 - 8 * UInt64($0))) } }
    }

    let kind: UInt16 = 42
    var refuseAt: Height = 0

    func check(_ call: ExtensionCall, in state: LedgerState) -> String? { DepositExtension().check(call, in: state) }

    /// Locks the payload's amount (a deposit payload) in escrow.
    func apply(_ call: ExtensionCall, to ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        guard let (_, amount) = DepositExtension().parse(call.payload) else { throw ExtensionRefusal("bad payload") }
        try ledger.lockInEscrow(from: call.sender, amount)
    }

    func endBlock(_ header: BlockHeader, ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        #expect(ledger.call == nil)
        var state = ledger.extensionState as? State ?? State()
        state.blocks += 1
        ledger.setExtensionState(state)
        if ledger.escrow > .zero { try ledger.releaseFromEscrow(to: header.proposer, Amount(1)) }
        if header.height == refuseAt { throw ExtensionRefusal("refused at the end of block \(header.height)") }
    }
}

@Suite struct EndBlockHookTests {
    @Test func theHookRunsAfterTheTransactionsInBuilderAndApplicationAlike() throws {
        var f = LedgerFixture()
        f.extensions = LedgerExtensions([PayoutExtension()])
        var state = try f.genesis()
        let deposit = f.tx(f.alice, nonce: 0, .extension(kind: 42, payload: DepositExtension.payload(1, 100)))
        let built = BlockBuilder(rules: f.rules).build(
            on: state, proposer: f.validator.publicKey, timeMs: 500, candidates: [deposit])
        let applied = try state.applyingBlock(built.block, rules: f.rules, signaturesVerified: false).get()
        #expect(built.state == applied)
        #expect(applied.escrow[42] == Amount(99), "the hook saw the block's deposit")
        #expect((applied.extensionStates[42] as? PayoutExtension.State)?.blocks == 1)
        state = applied
        try f.commit([], on: &state)
        #expect(state.escrow[42] == Amount(98))
        #expect(state.heldTotal() == state.totalSupply)
    }

    @Test func aRefusingHookIsUndoneAndTheBlockStands() throws {
        var f = LedgerFixture()
        f.extensions = LedgerExtensions([PayoutExtension(refuseAt: 2)])
        var state = try f.genesis()
        try f.commit(
            [f.tx(f.alice, nonce: 0, .extension(kind: 42, payload: DepositExtension.payload(1, 100)))],
            on: &state)
        let before = state
        try f.commit([], on: &state)
        #expect(state.height == 2)
        #expect(state.escrow == before.escrow)
        #expect(state.extensionStates == before.extensionStates)
    }
}
