import CairnCrypto
import NIOCore
import Testing

@testable import CairnChain

@Suite struct CommittedChainGeneratorTests {
    static let rules = LedgerRules(
        params: .localTestnet, chainID: ChainID(SHA256.hash(Array("committed chain generator".utf8))))
    static let validators = (0..<4).map { ChainParameters.localTestnetIdentity($0) }

    @Test func generatedBlocksCarryCommitsThatVerifyAndReplayIntoAMachine() throws {
        var generator = try CommittedChainGenerator(
            rules: Self.rules, validators: Self.validators, senders: Self.validators)
        let blocks = (1...6).map { generator.nextBlock(transfers: 10, timeMs: 1_000 + UInt64($0) * 500) }
        #expect(blocks.map(\.height) == Array(1...6))
        #expect(blocks.allSatisfy { $0.transactions.count == 10 })
        let validatorSet = try ValidatorSet(LedgerState.genesis(Self.rules.params).validatorStakes(Self.rules.params))
        for stored in blocks {
            var bytes = ByteBuffer(bytes: stored.commit)
            let commit = try #require(try bytes.readCommit())
            #expect(commit.blockHash == stored.hash && commit.height == stored.height)
            #expect(commit.signatures.count == 4)
            try commit.verify(chainID: Self.rules.chainID, validators: validatorSet)
        }
        let machine = try ChainMachine(
            rules: Self.rules, identity: nil, localPeer: Identity.generate().peerID, committed: blocks)
        #expect(machine.height == 6)
        #expect(machine.tip == blocks.last!.hash)
        #expect(machine.ledger == generator.state)
    }

    @Test func aBlockNeverHoldsMoreThanTheLimit() throws {
        var params = ChainParameters.localTestnet
        params.maxBlockTxs = 3
        let rules = LedgerRules(params: params, chainID: Self.rules.chainID)
        var generator = try CommittedChainGenerator(rules: rules, validators: Self.validators, senders: Self.validators)
        let first = generator.nextBlock(transfers: 8, timeMs: 1_000)
        let second = generator.nextBlock(transfers: 8, timeMs: 1_500)
        #expect(first.transactions.count == 3 && second.transactions.count == 3)
        let machine = try ChainMachine(
            rules: rules, identity: nil, localPeer: Identity.generate().peerID, committed: [first, second])
        #expect(machine.height == 2)
    }
}
