/// What validators gossip to each other: one enum whose cases wrap the signed structs (as NIOSSH's
/// `SSHMessage`), so the layer above sends consensus traffic as one opaque kind of bytes.
public enum ConsensusMessage: Hashable, Sendable {
    case proposal(SignedProposal)
    case vote(SignedVote)

    public var height: Height {
        switch self {
        case .proposal(let p): p.proposal.height
        case .vote(let v): v.vote.height
        }
    }
}
