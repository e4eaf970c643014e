import CairnCrypto
import Testing

@testable import CairnChain

@Suite struct MempoolTests {
    let f = LedgerFixture()

    func pool(maxCount: Int = 100, maxBytes: Int = 1 << 20) throws -> Mempool {
        Mempool(rules: f.rules, limits: .init(maxCount: maxCount, maxBytes: maxBytes), committed: try f.genesis())
    }

    @Test func queuesSequentialNoncesAndRefusesDuplicatesAndGaps() throws {
        var pool = try pool()
        let txs = (0..<3).map { f.transfer(f.alice, to: f.bob, 100, nonce: $0) }
        for tx in txs { #expect(pool.add(tx).succeeded) }
        #expect(pool.add(txs[1]).failure == .duplicate(txs[1].hash))
        #expect(
            pool.add(f.transfer(f.alice, to: f.bob, 100, nonce: 5)).failure == .invalid(.nonceGap(nonce: 5, next: 3)))
        #expect(pool.count == 3 && pool.hashes == txs.map(\.hash))
        #expect(pool[txs[2].hash] == txs[2])
        #expect(pool.totalBytes == txs.reduce(0) { $0 + $1.byteCount })
    }

    @Test func checksSignaturesAndFundsAcrossPendingTransactions() throws {
        var pool = try pool()
        // Carol has 100: two transfers of 45 + 10 fee each take all of it; a third cannot be paid.
        #expect(pool.add(f.transfer(f.carol, to: f.bob, 40, nonce: 0)).succeeded)
        #expect(pool.add(f.transfer(f.carol, to: f.bob, 40, nonce: 1)).succeeded)
        #expect(
            pool.add(f.transfer(f.carol, to: f.bob, 1, nonce: 2)).failure
                == .invalid(.insufficientFunds(needed: Amount(11), available: Amount(0))))
        let good = f.transfer(f.bob, to: f.alice, 1, nonce: 0)
        var signature = good.signature
        signature[0] ^= 0x80
        #expect(pool.add(SignedTransaction(good.transaction, signature: signature)).failure == .invalid(.badSignature))
    }

    @Test func reapsByFeeWhileKeepingEachSendersNonceOrder() throws {
        var pool = try pool()
        let a0 = f.transfer(f.alice, to: f.bob, 1, nonce: 0, fee: 10)
        let a1 = f.transfer(f.alice, to: f.bob, 1, nonce: 1, fee: 50)
        let b0 = f.transfer(f.bob, to: f.alice, 1, nonce: 0, fee: 30)
        let c0 = f.transfer(f.carol, to: f.alice, 1, nonce: 0, fee: 20)
        for tx in [a0, a1, b0, c0] { #expect(pool.add(tx).succeeded) }
        #expect(pool.reap(maxCount: 10, maxBytes: 1 << 20) == [b0, c0, a0, a1])
        #expect(pool.reap(maxCount: 2, maxBytes: 1 << 20) == [b0, c0])
        #expect(pool.reap(maxCount: 10, maxBytes: b0.byteCount * 2) == [b0, c0])
    }

    @Test func aHigherFeeEvictsTheCheapestTailWhenFull() throws {
        var pool = try pool(maxCount: 3)
        let a0 = f.transfer(f.alice, to: f.bob, 1, nonce: 0, fee: 10)
        let a1 = f.transfer(f.alice, to: f.bob, 1, nonce: 1, fee: 40)
        let b0 = f.transfer(f.bob, to: f.alice, 1, nonce: 0, fee: 20)
        for tx in [a0, a1, b0] { #expect(pool.add(tx).succeeded) }
        // Alice's 10 is not evictable (her 40 depends on it): Bob's 20 is the cheapest tail.
        let low = f.transfer(f.carol, to: f.alice, 1, nonce: 0, fee: 15)
        #expect(pool.add(low).failure == .full(count: 3, bytes: pool.totalBytes, lowestFee: Amount(20)))
        let high = f.transfer(f.carol, to: f.alice, 1, nonce: 0, fee: 25)
        #expect(pool.add(high).succeeded)
        #expect(Set(pool.hashes) == [a0.hash, a1.hash, high.hash])
        #expect(pool[b0.hash] == nil)
    }

    @Test func theByteLimitEvictsAsManyCheaperTailsAsNeeded() throws {
        var fixture = f
        fixture.extensions = LedgerExtensions([AcceptAnything()])
        fixture.params.initialAccounts[f.validator.publicKey.address] = Amount(1_000)
        let size = f.transfer(f.alice, to: f.bob, 1, nonce: 0).byteCount
        var pool = Mempool(
            rules: fixture.rules, limits: .init(maxCount: 100, maxBytes: 3 * size), committed: try fixture.genesis())
        let alice = f.transfer(f.alice, to: f.bob, 1, nonce: 0, fee: 10)
        let bob = f.transfer(f.bob, to: f.alice, 1, nonce: 0, fee: 11)
        let carol = f.transfer(f.carol, to: f.alice, 1, nonce: 0, fee: 12)
        for tx in [alice, bob, carol] { #expect(pool.add(tx).succeeded) }
        // Almost two transfers' bytes: room is made by evicting the two cheapest.
        let overhead = f.tx(f.validator, nonce: 0, .extension(kind: 7, payload: [])).byteCount
        let big = f.tx(
            f.validator, nonce: 0, fee: 20,
            .extension(kind: 7, payload: [UInt8](repeating: 1, count: 2 * size - 10 - overhead)))
        #expect(big.byteCount == 2 * size - 10)
        #expect(pool.add(big).succeeded)
        #expect(Set(pool.hashes) == [carol.hash, big.hash])
        #expect(pool.totalBytes == size + big.byteCount)
        #expect(pool.add(alice).failure == .full(count: 2, bytes: pool.totalBytes, lowestFee: Amount(12)))
    }

    @Test func updateRemovesIncludedAndDropsWhatBecameInvalid() throws {
        var pool = try pool()
        let a0 = f.transfer(f.alice, to: f.bob, 1, nonce: 0)
        let a1 = f.transfer(f.alice, to: f.bob, 1, nonce: 1)
        let c0 = f.transfer(f.carol, to: f.bob, 50, nonce: 0)
        for tx in [a0, a1, c0] { #expect(pool.add(tx).succeeded) }
        // A block from elsewhere includes a0 and a different transaction of Carol's that spends her funds.
        let c0Other = f.transfer(f.carol, to: f.alice, 80, nonce: 0)
        var state = try f.genesis()
        let block = f.block(on: state, [a0, c0Other])
        #expect(state.applyBlock(block, rules: f.rules, signaturesVerified: false).succeeded)
        pool.update(afterCommitting: block, newState: state)
        #expect(pool.hashes == [a1.hash])
        #expect(pool.pending.nextNonce(of: f.alice.publicKey) == 2)
    }

    @Test func aMempoolBlockAppliesOnEveryPeer() throws {
        var pool = try pool()
        for nonce in 0..<5 { #expect(pool.add(f.transfer(f.alice, to: f.bob, 10, nonce: UInt64(nonce))).succeeded) }
        #expect(pool.add(f.transfer(f.bob, to: f.carol, 10, nonce: 0, fee: 99)).succeeded)
        let state = try f.genesis()
        let built = BlockBuilder(rules: f.rules).build(
            on: state, proposer: f.validator.publicKey, timeMs: 1,
            candidates: pool.reap(maxCount: 100, maxBytes: 1 << 20))
        #expect(built.block.transactions.count == 6 && built.skipped.isEmpty)
        var peer = state
        #expect(peer.applyBlock(built.block, rules: f.rules, signaturesVerified: false).succeeded)
        pool.update(afterCommitting: built.block, newState: peer)
        #expect(pool.count == 0 && pool.totalBytes == 0)
    }
}

/// An extension (kind 7) that accepts every payload and changes nothing: for size-only tests.
struct AcceptAnything: LedgerExtension {
    let kind: UInt16 = 7
    func check(_ call: ExtensionCall, in state: LedgerState) -> String? { nil }
    func apply(_ call: ExtensionCall, to ledger: inout ExtensionLedger) throws(ExtensionRefusal) {}
}
