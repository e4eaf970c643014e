import CairnCrypto
import NIOCore

/// ⟨PROPOSAL, h, r, v, vr⟩ (Buchman–Kwon–Milošević 2018, Algorithm 1, lines 19 and 22–28): the proposer's
/// block for a round, by hash. `polRound` is the paper's `validRound`, nil for its −1: a round in which the
/// proposer saw a polka (2f+1 prevotes) for this block.
public struct Proposal: Hashable, Sendable {
    public var chainID: ChainID
    public var height: Height
    public var round: Round
    public var polRound: Round?
    public var blockHash: Key256
    public var proposer: PublicKey

    public init(
        chainID: ChainID, height: Height, round: Round, polRound: Round?, blockHash: Key256,
        proposer: PublicKey
    ) {
        self.chainID = chainID
        self.height = height
        self.round = round
        self.polRound = polRound
        self.blockHash = blockHash
        self.proposer = proposer
    }

    public static let domain = Array("cairn-proposal-v1".utf8)

    /// `"cairn-proposal-v1"` ‖ chain ID (32) ‖ height (u64) ‖ round (u32) ‖ flag (1) ‖ [polRound (u32)] ‖
    /// block hash (32) ‖ proposer key (32), big-endian: 126 or 130 bytes.
    public var signingBytes: [UInt8] {
        .encoding(capacity: 136) { buffer in
            buffer.writeBytes(Proposal.domain)
            buffer.writeChainID(chainID)
            buffer.writeInteger(height)
            buffer.writeInteger(round)
            buffer.writeOptionalRound(polRound)
            buffer.writeKey256(blockHash)
            buffer.writePublicKey(proposer)
        }
    }

    public func signed(by identity: Identity) -> SignedProposal {
        SignedProposal(proposal: self, signature: identity.sign(signingBytes))
    }
}

/// A proposal with its proposer's 64-byte Ed25519 signature.
public struct SignedProposal: Hashable, Sendable {
    public let proposal: Proposal
    public let signature: [UInt8]

    public init(proposal: Proposal, signature: [UInt8]) {
        self.proposal = proposal
        self.signature = signature
    }

    public var hasValidSignature: Bool {
        proposal.proposer.verify(signature: signature, message: proposal.signingBytes)
    }
}
