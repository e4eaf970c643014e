import CairnCrypto

/// Algorithm 1's per-height variables (lines 2–9) and the messages received for the height.
struct HeightState: Sendable {
    /// Algorithm 1's step_p, ordered as the paper compares them (line 36: step_p ≥ prevote).
    enum Step: UInt8, Comparable, Sendable {
        case propose, prevote, precommit
        static func < (lhs: Step, rhs: Step) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct ReceivedProposal: Sendable {
        let signed: SignedProposal
        /// The host's answer to valid(v).
        let valid: Bool
        var blockHash: Key256 { signed.proposal.blockHash }
    }

    let height: Height
    let validators: ValidatorSet
    var round: Round = 0
    var step: Step = .propose
    var lockedValue: Key256?
    var lockedRound: Round?
    var validValue: Key256?
    var validRound: Round?
    /// The first proposal from each round's proposer.
    var proposals: [Round: ReceivedProposal] = [:]
    var prevotes: [Round: VoteSet] = [:]
    var precommits: [Round: VoteSet] = [:]
    /// Rounds whose "for the first time" rules have fired: lines 34, 36 and 47.
    var prevoteTimerArmed: Set<Round> = []
    var polkaHandled: Set<Round> = []
    var precommitTimerArmed: Set<Round> = []
    /// The round for which `.buildBlock` is outstanding.
    var buildRequested: Round?
    /// Proposer indices of rounds 0..<schedule.count, and the priorities after them: rounds are walked once,
    /// so reaching round r costs r · n steps in all rather than r² · n.
    var schedule: [Int] = []
    var schedulePriorities: [Int64]

    init(height: Height, validators: ValidatorSet) {
        self.height = height
        self.validators = validators
        self.schedulePriorities = validators.priorities
    }

    /// proposer(h_p, round): the same as `validators.proposer(forRound: round)`.
    mutating func proposer(_ round: Round) -> PublicKey {
        while schedule.count <= Int(round) {
            schedule.append(validators.step(&schedulePriorities))
        }
        return validators[schedule[Int(round)]].publicKey
    }

    func votes(_ type: VoteType, _ round: Round) -> VoteSet? {
        type == .prevote ? prevotes[round] : precommits[round]
    }

    /// Power of the distinct validators that sent a vote in `round` (line 55's f+1 ⟨∗, h_p, round, ∗, ∗⟩).
    func powerSeen(in round: Round) -> UInt64 {
        var signers = Set(prevotes[round]?.votes.keys.map { $0 } ?? [])
        signers.formUnion(precommits[round]?.votes.keys.map { $0 } ?? [])
        if let proposal = proposals[round], let index = validators.index(of: proposal.signed.proposal.proposer) {
            signers.insert(index)
        }
        return signers.reduce(0) { $0 + validators[$1].power }
    }
}
