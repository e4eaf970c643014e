import CairnCrypto
import NIOCore

/// The two votes of a Tendermint round (Buchman–Kwon–Milošević 2018, Algorithm 1: PREVOTE and PRECOMMIT).
public enum VoteType: UInt8, Hashable, Sendable, CustomStringConvertible {
    case prevote = 1
    case precommit = 2

    public var description: String { self == .prevote ? "prevote" : "precommit" }
}

/// ⟨PREVOTE/PRECOMMIT, h, r, id(v)⟩ from one validator; `blockHash` nil is the paper's vote for nil.
public struct Vote: Hashable, Sendable {
    public var chainID: ChainID
    public var type: VoteType
    public var height: Height
    public var round: Round
    public var blockHash: Key256?
    /// The signer. Not part of the signing bytes: a commit names signers by index and rebuilds the vote.
    public var validator: PublicKey

    public init(
        chainID: ChainID, type: VoteType, height: Height, round: Round, blockHash: Key256?,
        validator: PublicKey
    ) {
        self.chainID = chainID
        self.type = type
        self.height = height
        self.round = round
        self.blockHash = blockHash
        self.validator = validator
    }

    /// Domain separation: no vote's signature is ever valid as a proposal's, a transaction's or a handshake's.
    public static let domain = Array("cairn-vote-v1".utf8)

    /// `"cairn-vote-v1"` ‖ chain ID (32) ‖ type (1) ‖ height (u64) ‖ round (u32) ‖ flag (1) ‖ [hash (32)],
    /// big-endian: 59 or 91 bytes.
    public var signingBytes: [UInt8] {
        .encoding(capacity: 96) { buffer in
            buffer.writeBytes(Vote.domain)
            buffer.writeChainID(chainID)
            buffer.writeInteger(type.rawValue)
            buffer.writeInteger(height)
            buffer.writeInteger(round)
            buffer.writeOptionalKey256(blockHash)
        }
    }

    /// This vote signed by `identity`, which should be `validator`'s.
    public func signed(by identity: Identity) -> SignedVote {
        SignedVote(vote: self, signature: identity.sign(signingBytes))
    }
}

/// A vote with its validator's 64-byte Ed25519 signature.
public struct SignedVote: Hashable, Sendable {
    public let vote: Vote
    public let signature: [UInt8]

    public init(vote: Vote, signature: [UInt8]) {
        self.vote = vote
        self.signature = signature
    }

    /// True when `signature` is `vote.validator`'s over the vote's signing bytes.
    public var hasValidSignature: Bool {
        vote.validator.verify(signature: signature, message: vote.signingBytes)
    }
}
