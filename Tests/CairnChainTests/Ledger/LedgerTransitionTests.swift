import CairnCrypto
import Testing

@testable import CairnChain

/// State transition vectors: each refusal names its reason and leaves the state exactly as it was.
@Suite struct LedgerTransitionTests {
    let f = LedgerFixture()

    /// Applies `tx` expecting `rejection`, and checks the state did not change at all.
    func expectRefused(_ tx: SignedTransaction, on state: LedgerState, _ rejection: TransactionRejection) {
        var after = state
        let result = after.apply(tx, rules: f.rules, signatureVerified: false, feeRecipient: f.validator.publicKey)
        #expect(result.failure == rejection)
        #expect(after == state)
        #expect(after.digest == state.digest)
        #expect(state.validate(tx, rules: f.rules, signatureVerified: false).failure == rejection)
    }

    @Test func transferMovesAmountAndFeeToTheProposer() throws {
        var state = try f.genesis()
        try f.commit([f.transfer(f.alice, to: f.bob, 1_000, nonce: 0)], on: &state)
        #expect(state.balance(of: f.alice.publicKey) == Amount(10_000 - 1_000 - 10))
        #expect(state.balance(of: f.bob.publicKey) == Amount(6_000))
        #expect(state.balance(of: f.validator.publicKey) == Amount(10))
        #expect(state.nextNonce(of: f.alice.publicKey) == 1)
        #expect(state.height == 1)
    }

    @Test func replayIsRefused() throws {
        var state = try f.genesis()
        let tx = f.transfer(f.alice, to: f.bob, 1, nonce: 0)
        try f.commit([tx], on: &state)
        expectRefused(tx, on: state, .nonceAlreadyUsed(nonce: 0, next: 1))
        #expect(
            TransactionRejection.nonceAlreadyUsed(nonce: 3, next: 5).description == "nonce 3 already used, next is 5")
    }

    @Test func nonceGapIsRefused() throws {
        expectRefused(f.transfer(f.alice, to: f.bob, 1, nonce: 2), on: try f.genesis(), .nonceGap(nonce: 2, next: 0))
    }

    @Test func aChangedSignatureByteIsRefused() throws {
        let good = f.transfer(f.alice, to: f.bob, 1, nonce: 0)
        var signature = good.signature
        signature[17] ^= 0x01
        let bad = SignedTransaction(good.transaction, signature: signature)
        #expect(!bad.verifySignature(chainID: f.chainID))
        expectRefused(bad, on: try f.genesis(), .badSignature)
        // A verified flag skips the check: the caller vouches for it.
        #expect(try f.genesis().validate(bad, rules: f.rules, signatureVerified: true).succeeded)
    }

    @Test func insufficientFundsSayNeededAndAvailable() throws {
        expectRefused(
            f.transfer(f.carol, to: f.bob, 95, nonce: 0), on: try f.genesis(),
            .insufficientFunds(needed: Amount(105), available: Amount(100)))
    }

    @Test func overflowIsRefusedNotTrapped() throws {
        var state = try f.genesis()
        // A balance near the largest amount: the faucet's mint would overflow the supply.
        state.accounts[f.carol.publicKey]!.balance = Amount(UInt64.max - 200)
        state.totalSupply = Amount(UInt64.max - 100)  // not conserved: this test is about the edge only
        expectRefused(f.tx(f.carol, nonce: 0, .faucet), on: state, .overflow(what: "the total supply"))
        var inconsistent = state
        inconsistent.totalSupply = Amount(1)
        expectRefused(f.tx(f.carol, nonce: 0, .faucet), on: inconsistent, .overflow(what: "the sender's balance"))
        expectRefused(
            f.tx(f.alice, nonce: 0, fee: UInt64.max, .transfer(to: f.bob.publicKey, amount: Amount(2))), on: state,
            .overflow(what: "amount plus fee"))
        // Even a state whose recipient sits at the edge (not reachable by conserving rules) is refused, not trapped.
        state.accounts[f.bob.publicKey]!.balance = Amount(UInt64.max)
        expectRefused(
            f.transfer(f.alice, to: f.bob, 1, nonce: 0), on: state, .overflow(what: "the recipient's balance"))
    }

    @Test func wrongChainIsRefused() throws {
        let tx = f.tx(
            f.alice, nonce: 0, .transfer(to: f.bob.publicKey, amount: Amount(1)), chain: LedgerFixture.otherChainID)
        expectRefused(tx, on: try f.genesis(), .wrongChain(expected: f.chainID, found: LedgerFixture.otherChainID))
    }

    @Test func feeBelowMinimumIsRefused() throws {
        expectRefused(
            f.transfer(f.alice, to: f.bob, 1, nonce: 0, fee: 9), on: try f.genesis(),
            .feeBelowMinimum(fee: Amount(9), minimum: Amount(10)))
    }

    @Test func selfTransferAndZeroAmountAreRefused() throws {
        let state = try f.genesis()
        expectRefused(f.transfer(f.alice, to: f.alice, 1, nonce: 0), on: state, .transferToSelf)
        expectRefused(f.transfer(f.alice, to: f.bob, 0, nonce: 0), on: state, .zeroAmount(kind: "transfer"))
        expectRefused(f.tx(f.alice, nonce: 0, .bond(amount: .zero)), on: state, .zeroAmount(kind: "bond"))
    }

    @Test func oversizedIsRefused() throws {
        var fixture = LedgerFixture()
        fixture.params.maxTxBytes = 200
        let tx = fixture.tx(f.alice, nonce: 0, .extension(kind: 9, payload: [UInt8](repeating: 0, count: 100)))
        let state = try fixture.genesis()
        #expect(
            state.validate(tx, rules: fixture.rules, signatureVerified: false).failure
                == .oversized(bytes: tx.byteCount, max: 200))
    }

    @Test func faucetMintsOncePerCooldown() throws {
        var state = try f.genesis()
        let stranger = Identity(seed: [UInt8](repeating: 0x5e, count: 32))!
        try f.commit([f.tx(stranger, nonce: 0, .faucet)], on: &state)
        #expect(state.balance(of: stranger.publicKey) == Amount(490))
        #expect(state.totalSupply == Amount(10_000 + 5_000 + 100 + 1_000_000 + 500))
        expectRefused(f.tx(stranger, nonce: 1, .faucet), on: state, .faucetCooldown(lastUse: 1, nextAllowed: 6))
        for _ in 0..<4 { try f.commit([], on: &state) }
        try f.commit([f.tx(stranger, nonce: 1, .faucet)], on: &state)
        #expect(state.balance(of: stranger.publicKey) == Amount(980))
    }

    @Test func faucetAbsentIsRefused() throws {
        let fixture = LedgerFixture(faucet: false)
        let state = try fixture.genesis()
        let tx = fixture.tx(fixture.alice, nonce: 0, .faucet)
        #expect(state.validate(tx, rules: fixture.rules, signatureVerified: false).failure == .faucetAbsent)
    }

    @Test func bondMakesAValidatorAndUnbondMaturesAfterTheDelay() throws {
        var state = try f.genesis()
        try f.commit([f.tx(f.alice, nonce: 0, .bond(amount: Amount(2_000)))], on: &state)
        #expect(state.stake(of: f.alice.publicKey) == Amount(2_000))
        let validators = state.validatorStakes(f.params)
        #expect(validators.map(\.0) == [f.validator.publicKey, f.alice.publicKey])
        #expect(validators.map(\.1) == [1_000_000, 2_000])

        expectRefused(
            f.tx(f.alice, nonce: 1, .unbond(amount: Amount(2_001))), on: state,
            .stakeBelowUnbond(stake: Amount(2_000), requested: Amount(2_001)))
        try f.commit([f.tx(f.alice, nonce: 1, .unbond(amount: Amount(1_500)))], on: &state)  // height 2
        #expect(state.stake(of: f.alice.publicKey) == Amount(500))
        #expect(state.validatorStakes(f.params).count == 1)
        let balance = state.balance(of: f.alice.publicKey)
        try f.commit([], on: &state)  // 3
        try f.commit([], on: &state)  // 4
        #expect(state.balance(of: f.alice.publicKey) == balance)
        try f.commit([], on: &state)  // 5 = 2 + 3: matured
        #expect(state.balance(of: f.alice.publicKey) == balance + Amount(1_500))
        #expect(state.unbondings.isEmpty)
    }

    @Test func theDigestDependsOnTheStateNotOnHowItWasReached() throws {
        let one = f.transfer(f.alice, to: f.carol, 7, nonce: 0)
        let two = f.transfer(f.bob, to: f.carol, 9, nonce: 0)
        var a = try f.genesis()
        var b = a
        for tx in [one, two] { #expect(a.apply(tx, rules: f.rules, signatureVerified: false).succeeded) }
        for tx in [two, one] { #expect(b.apply(tx, rules: f.rules, signatureVerified: false).succeeded) }
        #expect(a == b && a.digest == b.digest)
        #expect(a.digest != (try f.genesis()).digest)
    }

    @Test func validatorSetIsCappedAndOrderedByStakeThenKey() throws {
        var fixture = LedgerFixture()
        fixture.params.maxValidators = 2
        var state = try fixture.genesis()
        for who in [fixture.alice, fixture.bob, fixture.carol] {
            state.accounts[who.publicKey, default: .empty].stake = Amount(5_000)
        }
        let list = state.validatorStakes(fixture.params)
        #expect(list.count == 2)
        #expect(list[0].0 == fixture.validator.publicKey)
        let tied = [fixture.alice, fixture.bob, fixture.carol].map(\.publicKey).sorted { $0.precedes($1) }
        #expect(list[1].0 == tied[0])
    }
}

extension Amount {
    static func + (lhs: Amount, rhs: Amount) -> Amount { Amount(lhs.baseUnits + rhs.baseUnits) }
}
