import CairnCrypto

/// The proof that a block is final (DESIGN.md §6): the precommits of more than 2/3 of the voting power for
/// `blockHash` in one round of one height, each reduced to the signer's index in the height's validator set
/// and its 64-byte signature. A block carries its commit, so that a syncing peer accepts it with
/// `verify(chainID:validators:)` alone, without having seen the votes.
public struct Commit: Hashable, Sendable {
    public struct Signature: Hashable, Sendable {
        /// Position in the `ValidatorSet` of the committed height.
        public let validatorIndex: UInt16
        /// 64 bytes: Ed25519 over the precommit's signing bytes.
        public let signature: [UInt8]

        public init(validatorIndex: UInt16, signature: [UInt8]) {
            self.validatorIndex = validatorIndex
            self.signature = signature
        }
    }

    public let height: Height
    public let round: Round
    public let blockHash: Key256
    /// Sorted by validator index, one per signer.
    public let signatures: [Signature]

    public init(height: Height, round: Round, blockHash: Key256, signatures: [Signature]) {
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.signatures = signatures
    }

    /// The commit made of the precommits for `blockHash` in `precommits` (from a `VoteSet` of one round).
    init(height: Height, blockHash: Key256, precommits: VoteSet) {
        let signatures = precommits.votes
            .filter { $0.value.vote.blockHash == blockHash }
            .map { Signature(validatorIndex: UInt16($0.key), signature: $0.value.signature) }
            .sorted { $0.validatorIndex < $1.validatorIndex }
        self.init(height: height, round: precommits.round, blockHash: blockHash, signatures: signatures)
    }

    /// The precommit vote that signature `signature` signed, as validator `key`.
    func precommit(chainID: ChainID, by key: PublicKey) -> Vote {
        Vote(chainID: chainID, type: .precommit, height: height, round: round, blockHash: blockHash, validator: key)
    }
}
