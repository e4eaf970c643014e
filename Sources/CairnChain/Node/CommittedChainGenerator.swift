import CairnCrypto
import NIOCore

/// Builds the committed chain a network whose validators are all `validators` would produce: each block from
/// `BlockBuilder` on the state the previous one left, full of signed transfers between `senders`, with a real
/// commit (every validator's precommit signature, verifiable by any peer). For `cairn bench chain`, which stores
/// such a chain on one peer and times a fresh peer syncing it, and for tests that need a long valid chain
/// without running consensus for it. Pure: time comes in as `timeMs`.
public struct CommittedChainGenerator: Sendable {
    public let rules: LedgerRules
    let validatorIdentities: [Identity]
    let senders: [Identity]
    /// The state after the last generated block.
    public private(set) var state: LedgerState
    /// The validator set of the next height.
    var validators: ValidatorSet
    var nextSender = 0

    /// A generator from the genesis state of `rules.params`, whose validators must be exactly `validators`
    /// and whose accounts must fund `senders`.
    public init(rules: LedgerRules, validators: [Identity], senders: [Identity]) throws {
        self.rules = rules
        validatorIdentities = validators
        self.senders = senders
        state = try LedgerState.genesis(rules.params)
        self.validators = try ValidatorSet(state.validatorStakes(rules.params))
    }

    public var height: Height { state.height }

    /// The next block with `transfers` transfers (fewer if the block's limits say so), at `timeMs`, committed in
    /// round 0 by every validator, as `ChainMachine` stores a committed block.
    public mutating func nextBlock(transfers: Int, timeMs: UInt64) -> StoredBlock {
        var nonces: [PublicKey: UInt64] = [:]
        var candidates: [SignedTransaction] = []
        candidates.reserveCapacity(transfers)
        for _ in 0..<transfers where !senders.isEmpty {
            let sender = senders[nextSender % senders.count]
            let recipient = senders[(nextSender + 1) % senders.count].publicKey
            nextSender += 1
            let nonce = nonces[sender.publicKey, default: state.account(sender.publicKey).nextNonce]
            nonces[sender.publicKey] = nonce + 1
            let tx = Transaction(
                chainID: rules.chainID, sender: sender.publicKey, nonce: nonce, fee: rules.params.minFee,
                kind: .transfer(to: recipient, amount: Amount(1)))
            candidates.append(SignedTransaction(signing: tx, with: sender))
        }
        let proposer = validators.proposer(forRound: 0).publicKey
        // Transfers that do not fit are dropped; their senders' next nonces come from the state again.
        let (block, next, _) = BlockBuilder(rules: rules).build(
            on: state, proposer: proposer, timeMs: timeMs, candidates: candidates)
        state = next
        let signatures = validatorIdentities.compactMap { identity -> Commit.Signature? in
            guard let index = validators.index(of: identity.publicKey) else { return nil }
            let vote = Vote(
                chainID: rules.chainID, type: .precommit, height: block.header.height, round: 0,
                blockHash: block.hash, validator: identity.publicKey)
            return Commit.Signature(validatorIndex: UInt16(index), signature: vote.signed(by: identity).signature)
        }.sorted { $0.validatorIndex < $1.validatorIndex }
        let commit = Commit(height: block.header.height, round: 0, blockHash: block.hash, signatures: signatures)
        validators = ChainMachine.nextValidators(after: validators, ledger: state, params: rules.params, block: block)
        var commitBuffer = ByteBuffer()
        commitBuffer.writeCommit(commit)
        return StoredBlock(
            height: block.header.height, hash: block.hash, body: block.encoded,
            commit: Array(commitBuffer.readableBytesView),
            transactions: block.transactions.map {
                StoredBlock.Transaction(hash: $0.hash, accounts: ChainMachine.accounts(of: $0))
            })
    }
}
