import CairnCrypto
import CairnWire
import NIOCore

// Wire encodings of votes, proposals and the message enum. Every field has a fixed size (the optional ones
// a flag byte before them), so no input makes a reader allocate more than `ConsensusMessage.maxByteCount`.
//
//   SignedVote:     chain ID (32) ‖ type (1: 1 prevote, 2 precommit) ‖ height (u64) ‖ round (u32) ‖
//                   flag (1) ‖ [block hash (32)] ‖ validator key (32) ‖ signature (64)            142 or 174 bytes
//   SignedProposal: chain ID (32) ‖ height (u64) ‖ round (u32) ‖ flag (1) ‖ [polRound (u32)] ‖
//                   block hash (32) ‖ proposer key (32) ‖ signature (64)                          173 or 177 bytes
//   ConsensusMessage: tag (1: 1 proposal, 2 vote) ‖ the signed struct

extension ConsensusMessage {
    /// The largest encoding of any consensus message, in bytes: gossip may refuse anything longer unread.
    public static let maxByteCount = 178
}

extension ByteBuffer {
    public mutating func readSignedVote() throws(WireError) -> SignedVote? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> SignedVote? in
            guard let chainID = buffer.readChainID(), let rawType = buffer.readInteger(as: UInt8.self) else {
                return nil
            }
            guard let type = VoteType(rawValue: rawType) else { throw .unknownTag(rawType, in: "vote type") }
            guard let height = buffer.readInteger(as: Height.self), let round = buffer.readInteger(as: Round.self),
                let hash = try buffer.readOptionalKey256("vote's block hash flag"),
                let validator = buffer.readPublicKey(), let signature = buffer.readSignature()
            else { return nil }
            let vote = Vote(
                chainID: chainID, type: type, height: height, round: round, blockHash: hash,
                validator: validator)
            return SignedVote(vote: vote, signature: signature)
        }
    }

    @discardableResult
    public mutating func writeSignedVote(_ signed: SignedVote) -> Int {
        let start = writerIndex
        let vote = signed.vote
        writeChainID(vote.chainID)
        writeInteger(vote.type.rawValue)
        writeInteger(vote.height)
        writeInteger(vote.round)
        writeOptionalKey256(vote.blockHash)
        writePublicKey(vote.validator)
        writeSignature(signed.signature)
        return writerIndex - start
    }

    public mutating func readSignedProposal() throws(WireError) -> SignedProposal? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> SignedProposal? in
            guard let chainID = buffer.readChainID(), let height = buffer.readInteger(as: Height.self),
                let round = buffer.readInteger(as: Round.self),
                let polRound = try buffer.readOptionalRound("proposal's polRound flag"),
                let hash = buffer.readKey256(), let proposer = buffer.readPublicKey(),
                let signature = buffer.readSignature()
            else { return nil }
            if let polRound, polRound >= round {
                throw .invalidValue("polRound \(polRound) is not before round \(round)", in: "proposal")
            }
            let proposal = Proposal(
                chainID: chainID, height: height, round: round, polRound: polRound,
                blockHash: hash, proposer: proposer)
            return SignedProposal(proposal: proposal, signature: signature)
        }
    }

    @discardableResult
    public mutating func writeSignedProposal(_ signed: SignedProposal) -> Int {
        let start = writerIndex
        let proposal = signed.proposal
        writeChainID(proposal.chainID)
        writeInteger(proposal.height)
        writeInteger(proposal.round)
        writeOptionalRound(proposal.polRound)
        writeKey256(proposal.blockHash)
        writePublicKey(proposal.proposer)
        writeSignature(signed.signature)
        return writerIndex - start
    }

    public mutating func readConsensusMessage() throws(WireError) -> ConsensusMessage? {
        try parseUnwindingIfNeeded { buffer throws(WireError) -> ConsensusMessage? in
            guard let tag = buffer.readInteger(as: UInt8.self) else { return nil }
            switch tag {
            case 1: return try buffer.readSignedProposal().map(ConsensusMessage.proposal)
            case 2: return try buffer.readSignedVote().map(ConsensusMessage.vote)
            default: throw .unknownTag(tag, in: "consensus message")
            }
        }
    }

    @discardableResult
    public mutating func writeConsensusMessage(_ message: ConsensusMessage) -> Int {
        switch message {
        case .proposal(let p): writeInteger(1 as UInt8) + writeSignedProposal(p)
        case .vote(let v): writeInteger(2 as UInt8) + writeSignedVote(v)
        }
    }
}
