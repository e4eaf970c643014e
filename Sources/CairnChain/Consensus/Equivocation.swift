/// Evidence that one validator signed two different votes of one type for one height and round: both
/// signed votes, kept whole so that anyone can check the two signatures (the layer above may slash on it).
public struct Equivocation: Hashable, Sendable {
    public let first: SignedVote
    public let second: SignedVote

    public init(first: SignedVote, second: SignedVote) {
        self.first = first
        self.second = second
    }

    /// True when both signatures hold and the votes are by one validator for one chain, height, round and type
    /// but for different blocks.
    public var isValid: Bool {
        let (a, b) = (first.vote, second.vote)
        return a.validator == b.validator && a.chainID == b.chainID && a.height == b.height && a.round == b.round
            && a.type == b.type && a.blockHash != b.blockHash && first.hasValidSignature && second.hasValidSignature
    }
}
