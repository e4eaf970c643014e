import CairnCrypto

extension ValidatorSet {
    /// The set after the validator changes a block made (bonds, unbonds, slashing), priorities carried over.
    ///
    /// `changes` are (key, new power) pairs: power 0 removes the validator, a known key keeps its priority
    /// with its new power, a new key joins with priority −1.125 × the new total power, so that joining (or
    /// leaving and joining again) does not put it first in line (CometBFT `spec/consensus/proposer-selection.md`,
    /// "new validators"). The layer above builds the next height's set as
    /// `set.updated(with: changes).advanced(byHeights: 1)`, the same on every peer. A key listed twice takes
    /// its last power. Throws when the result would be empty or too large.
    public func updated(with changes: [(PublicKey, UInt64)]) throws(ValidatorSetError) -> ValidatorSet {
        var power: [PublicKey: UInt64] = [:]
        var priority: [PublicKey: Int64] = [:]
        for (index, validator) in validators.enumerated() {
            power[validator.publicKey] = validator.power
            priority[validator.publicKey] = priorities[index]
        }
        for (key, newPower) in changes { power[key] = newPower }
        let kept = power.filter { $0.value > 0 }.map { ($0.key, $0.value) }
        var next = try ValidatorSet(kept)
        let joining = Int128(next.totalPower) * 9 / 8
        for (index, validator) in next.validators.enumerated() {
            next.priorities[index] = priority[validator.publicKey] ?? Int64(-joining)
        }
        return next
    }
}
