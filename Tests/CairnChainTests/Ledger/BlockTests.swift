import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct BlockTests {
    let f = LedgerFixture()

    @Test func blockRoundTripsAndItsHashIsTheHeaders() throws {
        let state = try f.genesis()
        let block = f.block(on: state, [f.transfer(f.alice, to: f.bob, 5, nonce: 0), f.tx(f.bob, nonce: 0, .faucet)])
        let decoded = try Block(decoding: block.encoded, params: f.params)
        #expect(decoded == block)
        #expect(block.encoded.count == block.byteCount)
        #expect(block.hash == SHA256.hash(Array(block.encoded.prefix(BlockHeader.encodedByteCount))))
        for cut in stride(from: 0, to: block.encoded.count, by: 7) {
            #expect(throws: WireError.self) { try Block(decoding: Array(block.encoded.prefix(cut)), params: f.params) }
        }
    }

    @Test func decodingEnforcesTheLimits() throws {
        var params = f.params
        params.maxBlockTxs = 1
        let state = try f.genesis()
        let block = f.block(
            on: state, [f.transfer(f.alice, to: f.bob, 5, nonce: 0), f.transfer(f.alice, to: f.bob, 5, nonce: 1)])
        #expect(throws: WireError.tooManyItems(count: 2, max: 1, in: "block")) {
            try Block(decoding: block.encoded, params: params)
        }
        params = f.params
        params.maxBlockBytes = UInt32(block.byteCount - 1)
        #expect(throws: WireError.self) { try Block(decoding: block.encoded, params: params) }
    }

    @Test func applyingIsDeterministicAndConserves() throws {
        let state = try f.genesis()
        let block = f.block(
            on: state,
            [
                f.transfer(f.alice, to: f.bob, 100, nonce: 0), f.transfer(f.bob, to: f.carol, 50, nonce: 0),
                f.tx(f.alice, nonce: 1, .bond(amount: Amount(1_000))), f.tx(f.carol, nonce: 0, .faucet),
            ])
        let one = state.applyingBlock(block, rules: f.rules, signaturesVerified: false)
        let two = state.applyingBlock(block, rules: f.rules, signaturesVerified: false)
        let a = try one.get()
        #expect(a == (try two.get()))
        #expect(a.digest == (try two.get()).digest && a.digest != state.digest)
        #expect(
            Array(a.canonicalEncoding.readableBytesView) == Array((try two.get()).canonicalEncoding.readableBytesView))
        #expect(a.heldTotal() == a.totalSupply)
        #expect(a.lastBlockHash == block.hash && a.height == 1)
        // The same block does not apply twice.
        #expect(
            a.applyingBlock(block, rules: f.rules, signaturesVerified: false).failure
                == .wrongHeight(expected: 2, found: 1))
    }

    @Test func aBlockWithAnInvalidTransactionNamesItsIndexAndChangesNothing() throws {
        var state = try f.genesis()
        let bad = f.transfer(f.carol, to: f.bob, 1_000, nonce: 0)
        let block = f.block(on: state, [f.transfer(f.alice, to: f.bob, 5, nonce: 0), bad])
        let before = state
        let result = state.applyBlock(block, rules: f.rules, signaturesVerified: false)
        #expect(
            result.failure
                == .invalidTransaction(
                    index: 1, hash: bad.hash, .insufficientFunds(needed: Amount(1_010), available: Amount(100))))
        #expect(result.failure?.description.hasPrefix("transaction 1 ") == true)
        #expect(state == before)
    }

    @Test func headerChecks() throws {
        var state = try f.genesis()
        try f.commit([], on: &state)
        var block = f.block(on: state, [])
        block.header.timeMs = state.lastBlockTimeMs
        #expect(
            state.applyingBlock(block, rules: f.rules, signaturesVerified: false).failure
                == .timeNotAfterPrevious(time: state.lastBlockTimeMs, previous: state.lastBlockTimeMs))
        block = f.block(on: state, [])
        block.header.previousHash = .zero
        #expect(
            state.applyingBlock(block, rules: f.rules, signaturesVerified: false).failure
                == .wrongPreviousHash(expected: state.lastBlockHash, found: .zero))
        block = f.block(on: state, [f.transfer(f.alice, to: f.bob, 5, nonce: 0)])
        block.header.transactionRoot = .zero
        guard
            case .transactionRootMismatch = state.applyingBlock(block, rules: f.rules, signaturesVerified: false)
                .failure
        else { Issue.record("a wrong root was accepted"); return }
    }

    @Test func builderSkipsWhatNoLongerAppliesAndRespectsLimits() throws {
        var params = f.params
        params.maxBlockTxs = 2
        let rules = LedgerRules(params: params, chainID: f.chainID)
        let state = try f.genesis()
        let candidates = [
            f.transfer(f.alice, to: f.bob, 5, nonce: 0), f.transfer(f.alice, to: f.bob, 5, nonce: 0),
            f.transfer(f.bob, to: f.carol, 5, nonce: 0), f.transfer(f.carol, to: f.bob, 5, nonce: 0),
        ]
        let built = BlockBuilder(rules: rules).build(
            on: state, proposer: f.validator.publicKey, timeMs: 1_000, candidates: candidates)
        #expect(built.block.transactions == [candidates[0], candidates[2]])
        #expect(built.skipped.map { $0.hash } == [candidates[1].hash, candidates[3].hash])
        #expect(built.skipped[0].reason == .nonceAlreadyUsed(nonce: 0, next: 1))
        #expect(built.skipped[1].reason == nil)
        // What the builder made, a peer applies to the same state.
        #expect(
            state.applyingBlock(built.block, rules: rules, signaturesVerified: false).map { $0 }
                == .success(built.state))
    }

    @Test func conservationHoldsOverManyRandomBlocks() throws {
        var generator = SplitMix64(seed: 7)
        let people = [f.alice, f.bob, f.carol]
        var state = try f.genesis()
        var nonces = [UInt64](repeating: 0, count: 3)
        for _ in 0..<30 {
            var candidates: [SignedTransaction] = []
            for _ in 0..<5 {
                let i = Int(generator.next() % 3)
                let kind: TransactionKind
                switch generator.next() % 5 {
                case 0: kind = .bond(amount: Amount(generator.next() % 50 + 1))
                case 1: kind = .unbond(amount: Amount(generator.next() % 50 + 1))
                case 2: kind = .faucet
                default: kind = .transfer(to: people[(i + 1) % 3].publicKey, amount: Amount(generator.next() % 300 + 1))
                }
                candidates.append(f.tx(people[i], nonce: nonces[i], kind))
                nonces[i] += 1
            }
            let built = BlockBuilder(rules: f.rules).build(
                on: state, proposer: f.validator.publicKey, timeMs: state.lastBlockTimeMs + 500, candidates: candidates)
            for (hash, _) in built.skipped {
                if let i = candidates.firstIndex(where: { $0.hash == hash }) {
                    let who = people.firstIndex { $0.publicKey == candidates[i].transaction.sender }!
                    nonces[who] = min(nonces[who], candidates[i].transaction.nonce)
                }
            }
            try #require(state.applyBlock(built.block, rules: f.rules, signaturesVerified: false).succeeded)
            #expect(state == built.state)
            #expect(state.heldTotal() == state.totalSupply)
        }
    }
}
