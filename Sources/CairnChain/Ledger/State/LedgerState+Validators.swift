import CairnCrypto

extension LedgerState {
    /// The validators and their voting power (stake in base units): accounts with a stake of at least
    /// `minValidatorStake`, largest stake first, equal stakes by key bytes (unsigned, ascending), at most
    /// `maxValidators`. Deterministic: every peer derives the same list from the same state.
    public func validatorStakes(_ params: ChainParameters) -> [(PublicKey, UInt64)] {
        var list: [(PublicKey, UInt64)] = []
        for (key, entry) in accounts where entry.stake >= params.minValidatorStake && entry.stake > .zero {
            list.append((key, entry.stake.baseUnits))
        }
        list.sort { a, b in a.1 != b.1 ? a.1 > b.1 : a.0.precedes(b.0) }
        if list.count > Int(params.maxValidators) { list.removeLast(list.count - Int(params.maxValidators)) }
        return list
    }
}
