import CairnCrypto

/// The votes of one type for one height and round, tallied by power (the paper's "2f+1 ⟨PREVOTE, h, r, v⟩"
/// counts power, not messages, once validators are weighted).
///
/// Each validator counts once: its first vote stands; a repeat is ignored; a different vote is an
/// equivocation, reported once and kept as evidence but not counted. Memory: at most one vote and one
/// conflicting vote per validator of the set.
public struct VoteSet: Sendable {
    public let type: VoteType
    public let round: Round
    /// Each validator's counted vote, by index.
    public private(set) var votes: [Int: SignedVote] = [:]
    /// Power behind each value (nil: the vote for nil).
    public private(set) var powerByValue: [Key256?: UInt64] = [:]
    /// Power of every counted vote, whatever its value.
    public private(set) var totalPower: UInt64 = 0
    /// Validators caught voting twice, by index.
    public private(set) var equivocations: [Int: Equivocation] = [:]

    public init(type: VoteType, round: Round) {
        self.type = type
        self.round = round
    }

    public enum Outcome: Equatable, Sendable {
        case added
        case duplicate
        /// A second, different vote from one validator: returned the first time only.
        case equivocation(Equivocation)
    }

    /// Counts `signed` from validator `index` of power `power`. The caller has checked the signature, the
    /// type, round and height and that the signer is validator `index`.
    public mutating func add(_ signed: SignedVote, validatorIndex index: Int, power: UInt64) -> Outcome {
        if let existing = votes[index] {
            if existing.vote.blockHash == signed.vote.blockHash { return .duplicate }
            guard equivocations[index] == nil else { return .duplicate }
            let evidence = Equivocation(first: existing, second: signed)
            equivocations[index] = evidence
            return .equivocation(evidence)
        }
        votes[index] = signed
        powerByValue[signed.vote.blockHash, default: 0] += power
        totalPower += power
        return .added
    }

    /// Power of the votes for `value` (nil: for nil).
    public func power(for value: Key256?) -> UInt64 { powerByValue[value] ?? 0 }

    /// The value with at least `quorum` power behind it, if any (at most one can have more than 2/3).
    public func value(withPowerAtLeast quorum: UInt64) -> Key256?? {
        for (value, power) in powerByValue where power >= quorum { return .some(value) }
        return nil
    }

    /// Whether validator `index` has a counted vote here.
    public func hasVote(from index: Int) -> Bool { votes[index] != nil }
}
