import CairnCrypto
import CairnWire
import NIOCore
import Testing

@testable import CairnChain

@Suite struct AppliedBlockMemoTests {
    let params = ChainParameters.localTestnet

    func genesis() throws -> (LedgerState, ValidatorSet) {
        let ledger = try LedgerState.genesis(params)
        return (ledger, try ValidatorSet(ledger.validatorStakes(params)))
    }

    @Test func aStateIsServedOnlyForItsWholeInput() throws {
        let (ledger, validators) = try genesis()
        let memo = AppliedBlockMemo(heights: 8)
        let parent = SHA256.hash([1])
        let block = SHA256.hash([2])
        let entry = AppliedBlockMemo.Entry(
            ledger: ledger, validatorsBefore: validators, validatorsAfter: validators.advanced(byHeights: 1))
        memo.remember(parent: parent, block: block, height: 1, signaturesVerified: true, entry)

        let hit = memo.entry(parent: parent, block: block, signaturesVerified: true, validators: validators)
        #expect(hit?.ledger == ledger)
        #expect(hit?.validatorsAfter == validators.advanced(byHeights: 1))
        // Another parent, another block, unverified signatures, another validator set: each misses.
        #expect(memo.entry(parent: block, block: block, signaturesVerified: true, validators: validators) == nil)
        #expect(memo.entry(parent: parent, block: parent, signaturesVerified: true, validators: validators) == nil)
        #expect(memo.entry(parent: parent, block: block, signaturesVerified: false, validators: validators) == nil)
        #expect(memo.entry(
            parent: parent, block: block, signaturesVerified: true, validators: validators.advanced(byHeights: 1)) == nil)
        #expect(memo.counts.hits == 1 && memo.counts.misses == 4)
    }

    /// A decoded block is found by the hash its commit names, and only for the very bytes it was decoded from:
    /// a body changed under the same header (the hash covers the header alone) misses, and is decoded itself.
    @Test func aDecodedBlockIsServedOnlyForItsOwnBytes() throws {
        let f = LedgerFixture()
        let block = f.block(on: try f.genesis(), [f.transfer(f.alice, to: f.bob, 5, nonce: 0)])
        let memo = AppliedBlockMemo()
        let bytes = ByteBuffer(bytes: block.encoded)
        memo.rememberDecoded(AppliedBlockMemo.DecodedBlock(block: block, body: block.encoded, encoded: bytes))

        // The same buffer, and the same bytes in a buffer of their own.
        #expect(memo.decoded(hash: block.hash, bytes: bytes)?.block == block)
        #expect(memo.decoded(hash: block.hash, bytes: ByteBuffer(bytes: Array(block.encoded)))?.block == block)
        // The last byte of the body changed, the header (and so the hash) the same.
        var forged = block.encoded
        forged[forged.count - 1] ^= 1
        #expect(memo.decoded(hash: block.hash, bytes: ByteBuffer(bytes: forged)) == nil)
        // One byte short, and another hash.
        #expect(memo.decoded(hash: block.hash, bytes: ByteBuffer(bytes: block.encoded.dropLast())) == nil)
        #expect(memo.decoded(hash: SHA256.hash([9]), bytes: bytes) == nil)
    }

    @Test func onlyTheLastHeightsAreKept() throws {
        let (ledger, validators) = try genesis()
        let memo = AppliedBlockMemo(heights: 4)
        let entry = AppliedBlockMemo.Entry(ledger: ledger, validatorsBefore: validators, validatorsAfter: validators)
        for height in Height(1)...10 {
            memo.remember(
                parent: SHA256.hash([UInt8(height - 1)]), block: SHA256.hash([UInt8(height)]), height: height,
                signaturesVerified: true, entry)
        }
        #expect(memo.count == 4)
        #expect(memo.entry(
            parent: SHA256.hash([6]), block: SHA256.hash([7]), signaturesVerified: true, validators: validators) != nil)
        #expect(memo.entry(
            parent: SHA256.hash([5]), block: SHA256.hash([6]), signaturesVerified: true, validators: validators) == nil)
        // A block far behind the highest is not recorded.
        memo.remember(parent: SHA256.hash([0]), block: SHA256.hash([1]), height: 1, signaturesVerified: true, entry)
        #expect(memo.count == 4)
    }

    @Test func peersSharingAMemoCommitTheSameStates() throws {
        let memo = AppliedBlockMemo()
        var network = try ChainNetwork(validators: 4, followers: 4, appliedBlocks: memo)
        network.run(until: network.now + .seconds(15))
        let heights = network.order.map { network.height(of: $0) }
        #expect(heights.allSatisfy { $0 >= 8 }, "heights after 15 s: \(heights)")
        // Most peers took each block's state from the one that applied it first.
        #expect(memo.counts.hits > memo.counts.misses, "\(memo.counts)")
        let lowest = heights.min()!
        let states = network.order.compactMap { peer -> LedgerState? in
            let machine = network.machines[peer]!
            return machine.height == lowest ? machine.ledger : nil
        }
        #expect(states.count >= 1)
        #expect(states.allSatisfy { $0 == states[0] })
        #expect(network.safetyViolations == 0)
    }
}
