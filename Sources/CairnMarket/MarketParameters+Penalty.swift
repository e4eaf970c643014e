import CairnChain

extension MarketParameters {
    /// The graduated penalty for a run of `misses` ≥ 1 consecutive missed epochs, in base units of stake:
    /// `min(penaltyCap, penaltyBase × 2^(misses − 1))` (DESIGN.md §9). The chain takes it at settlement; a
    /// provider's agent quotes it in its warnings before then.
    public func penalty(afterMisses misses: UInt64) -> Amount {
        let shift = misses == 0 ? 0 : misses - 1
        guard shift < 64 else { return penaltyCap }
        let (scaled, overflow) = penaltyBase.baseUnits.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? penaltyCap : min(penaltyCap, Amount(scaled))
    }
}
