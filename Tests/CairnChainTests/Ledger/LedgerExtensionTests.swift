import CairnCrypto
import Testing

@testable import CairnChain

/// A stand-in for the storage market: kind 42 locks deposits in escrow and releases them.
/// Payload: u8 operation (1 lock, 2 release, 3 lock then refuse), u64 amount.
struct DepositExtension: LedgerExtension {
    struct State: LedgerExtensionState, Equatable {
        var deposits: [PublicKey: UInt64] = [:]

        var canonicalBytes: [UInt8] {
            deposits.sorted { $0.key.precedes($1.key) }.flatMap { key, amount in
                key.bytes + (0..<8).map { UInt8(truncatingIfNeeded: amount >> (56 - 8 * UInt64($0))) }
            }
        }
    }

    let kind: UInt16 = 42

    func parse(_ payload: [UInt8]) -> (UInt8, Amount)? {
        guard payload.count == 9 else { return nil }
        return (payload[0], Amount(payload[1...].reduce(0) { $0 << 8 | UInt64($1) }))
    }

    func check(_ call: ExtensionCall, in state: LedgerState) -> String? {
        guard let (op, _) = parse(call.payload), (1...3).contains(op) else { return "a deposit payload is 9 bytes" }
        return nil
    }

    func apply(_ call: ExtensionCall, to ledger: inout ExtensionLedger) throws(ExtensionRefusal) {
        guard let (op, amount) = parse(call.payload) else { throw ExtensionRefusal("bad payload") }
        var state = ledger.extensionState as? State ?? State()
        switch op {
        case 1, 3:
            try ledger.lockInEscrow(from: call.sender, amount)
            state.deposits[call.sender, default: 0] += amount.baseUnits
            ledger.setExtensionState(state)
            if op == 3 { throw ExtensionRefusal("refused after locking, on purpose") }
        default:
            guard state.deposits[call.sender, default: 0] >= amount.baseUnits else {
                throw ExtensionRefusal("no such deposit")
            }
            state.deposits[call.sender]! -= amount.baseUnits
            ledger.setExtensionState(state)
            try ledger.releaseFromEscrow(to: call.sender, amount)
        }
    }

    static func payload(_ op: UInt8, _ amount: UInt64) -> [UInt8] {
        [op] + (0..<8).map { UInt8(truncatingIfNeeded: amount >> (56 - 8 * UInt64($0))) }
    }
}

@Suite struct LedgerExtensionTests {
    @Test func unknownKindIsRefusedWithoutAnExtension() throws {
        let f = LedgerFixture()
        let tx = f.tx(f.alice, nonce: 0, .extension(kind: 42, payload: DepositExtension.payload(1, 100)))
        let state = try f.genesis()
        let result = state.validate(tx, rules: f.rules, signatureVerified: false)
        #expect(result.failure == .unknownKind(42))
        #expect(result.failure?.description == "unknown transaction kind 42")
    }

    @Test func aRegisteredExtensionLocksAndReleasesWithConservation() throws {
        var f = LedgerFixture()
        f.extensions = LedgerExtensions([DepositExtension()])
        var state = try f.genesis()
        try f.commit(
            [f.tx(f.alice, nonce: 0, .extension(kind: 42, payload: DepositExtension.payload(1, 1_000)))], on: &state)
        #expect(state.escrow[42] == Amount(1_000))
        #expect(state.balance(of: f.alice.publicKey) == Amount(10_000 - 1_000 - 10))
        #expect((state.extensionStates[42] as? DepositExtension.State)?.deposits[f.alice.publicKey] == 1_000)

        try f.commit(
            [f.tx(f.alice, nonce: 1, .extension(kind: 42, payload: DepositExtension.payload(2, 400)))], on: &state)
        #expect(state.escrow[42] == Amount(600))
        #expect(state.heldTotal() == state.totalSupply)
    }

    @Test func anExtensionRefusalUndoesEverythingItDid() throws {
        var f = LedgerFixture()
        f.extensions = LedgerExtensions([DepositExtension()])
        let state = try f.genesis()
        for (op, amount) in [(UInt8(3), UInt64(1_000)), (1, 1_000_000), (2, 5), (9, 1)] {
            let tx = f.tx(f.alice, nonce: 0, .extension(kind: 42, payload: DepositExtension.payload(op, amount)))
            var after = state
            let result = after.apply(tx, rules: f.rules, signatureVerified: false, feeRecipient: f.validator.publicKey)
            guard case .failure(.extensionRefused(42, _)) = result else {
                Issue.record("operation \(op) was not refused: \(result)")
                continue
            }
            #expect(after == state)
            #expect(after.digest == state.digest)
        }
    }
}
