import CairnCrypto
import NIOCore

@testable import CairnChain

/// A small chain for tests: three funded accounts (alice, bob, carol), one validator, a faucet.
struct LedgerFixture {
    static let chainID = ChainID(SHA256.hash(Array("ledger tests".utf8)))
    static let otherChainID = ChainID(SHA256.hash(Array("another chain".utf8)))

    let alice = Identity(seed: [UInt8](repeating: 0xa1, count: 32))!
    let bob = Identity(seed: [UInt8](repeating: 0xb0, count: 32))!
    let carol = Identity(seed: [UInt8](repeating: 0xc0, count: 32))!
    let validator = Identity(seed: [UInt8](repeating: 0x77, count: 32))!
    var params: ChainParameters
    var extensions = LedgerExtensions.none

    init(faucet: Bool = true) {
        var params = ChainParameters.localTestnet
        params.minFee = Amount(10)
        params.unbondingDelayBlocks = 3
        params.minValidatorStake = Amount(1_000)
        params.faucet = faucet ? FaucetParameters(amount: Amount(500), cooldownBlocks: 5) : nil
        params.initialAccounts = [
            alice.publicKey.address: Amount(10_000), bob.publicKey.address: Amount(5_000),
            carol.publicKey.address: Amount(100),
        ]
        params.initialValidators = [validator.publicKey.address: Amount(1_000_000)]
        self.params = params
    }

    var chainID: ChainID { LedgerFixture.chainID }
    var rules: LedgerRules { LedgerRules(params: params, chainID: chainID, extensions: extensions) }
    func genesis() throws -> LedgerState { try LedgerState.genesis(params) }

    func tx(
        _ who: Identity, nonce: UInt64, fee: UInt64 = 10, _ kind: TransactionKind, chain: ChainID? = nil
    ) -> SignedTransaction {
        let tx = Transaction(
            chainID: chain ?? chainID, sender: who.publicKey, nonce: nonce, fee: Amount(fee), kind: kind)
        return SignedTransaction(signing: tx, with: who)
    }

    func transfer(_ from: Identity, to: Identity, _ amount: UInt64, nonce: UInt64, fee: UInt64 = 10)
        -> SignedTransaction
    {
        tx(from, nonce: nonce, fee: fee, .transfer(to: to.publicKey, amount: Amount(amount)))
    }

    /// A block on `state` with exactly these transactions (valid or not), by the validator.
    func block(on state: LedgerState, _ txs: [SignedTransaction], timeMs: UInt64? = nil) -> Block {
        let header = BlockHeader(
            chainID: chainID, height: state.height + 1, previousHash: state.lastBlockHash,
            timeMs: timeMs ?? (state.lastBlockTimeMs + 500), proposer: validator.publicKey,
            transactionRoot: TransactionRoot.of(txs), transactionCount: UInt32(txs.count))
        return Block(header: header, transactions: txs)
    }

    /// Applies a block of `txs`, requiring it to apply and to conserve the supply.
    func commit(_ txs: [SignedTransaction], on state: inout LedgerState) throws {
        let result = state.applyBlock(block(on: state, txs), rules: rules, signaturesVerified: false)
        if case .failure(let reason) = result { throw reason }
        guard state.heldTotal() == state.totalSupply else { throw BlockRejection.supplyNotConserved }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
    var succeeded: Bool { failure == nil }
}
