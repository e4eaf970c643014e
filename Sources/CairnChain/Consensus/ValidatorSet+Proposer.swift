// The proposer schedule: CometBFT's stake-weighted round robin (spec/consensus/proposer-selection.md).
// Each step, every validator's priority grows by its power; the highest priority (ties: the lower address)
// proposes and has the total power subtracted. Over any long run a validator proposes in proportion to its
// power. Before each step the priorities are scaled down when their spread exceeds 2·total ("bounded
// priorities") and shifted so that they average zero ("centred").

extension ValidatorSet {
    /// The validator that proposes in `round` of the height this set is at: a pure function of the set's value
    /// (validators and priorities) and the round, identical on every peer. Costs `(round + 1) · count` steps.
    public func proposer(forRound round: Round) -> Validator {
        validators[proposerIndex(forRound: round)]
    }

    /// The index of `proposer(forRound:)`.
    public func proposerIndex(forRound round: Round) -> Int {
        var working = priorities
        var chosen = 0
        for _ in 0...UInt64(round) {
            chosen = step(&working)
        }
        return chosen
    }

    /// This set as it stands `heights` heights later, with no change of validators: the layer above calls
    /// `advanced(byHeights: 1)` after each block (CometBFT advances once per height, whatever the round of
    /// the commit).
    public func advanced(byHeights heights: UInt64) -> ValidatorSet {
        var next = self
        for _ in 0..<heights {
            _ = step(&next.priorities)
        }
        return next
    }

    /// One step of the schedule over `priorities`; returns the proposer's index. Starting from `priorities`,
    /// the n-th call returns `proposerIndex(forRound: n - 1)`: the machine walks rounds with it incrementally.
    func step(_ priorities: inout [Int64]) -> Int {
        let total = Int64(totalPower)
        rescale(&priorities, maxSpread: 2 * total)
        centre(&priorities)
        var best = 0
        for index in priorities.indices {
            priorities[index] += Int64(validators[index].power)
            if index > 0 {
                let (p, q) = (priorities[index], priorities[best])
                if p > q || (p == q && addresses[index] < addresses[best]) { best = index }
            }
        }
        priorities[best] -= total
        return best
    }

    /// Divides every priority by ⌈spread / maxSpread⌉ when the spread (max − min) exceeds `maxSpread`.
    private func rescale(_ priorities: inout [Int64], maxSpread: Int64) {
        guard let low = priorities.min(), let high = priorities.max() else { return }
        let spread = Int128(high) - Int128(low)
        guard spread > Int128(maxSpread) else { return }
        let ratio = Int64((spread + Int128(maxSpread) - 1) / Int128(maxSpread))
        for index in priorities.indices { priorities[index] /= ratio }
    }

    /// Subtracts the average (rounded toward minus infinity) from every priority.
    private func centre(_ priorities: inout [Int64]) {
        let sum = priorities.reduce(Int128(0)) { $0 + Int128($1) }
        let count = Int128(priorities.count)
        var average = sum / count
        if sum % count != 0 && sum < 0 { average -= 1 }
        guard average != 0 else { return }
        for index in priorities.indices { priorities[index] -= Int64(average) }
    }
}
