extension MarketParameters {
    /// Throws `ChainParametersError.invalid` naming the first field out of range (as `chain.market.<field>`).
    public func validate() throws(ChainParametersError) {
        func bad(_ field: String, _ reason: String) -> ChainParametersError {
            .invalid(field: "market.\(field)", reason)
        }
        guard epochBlocks >= 1, epochBlocks <= 1_000_000 else {
            throw bad("epoch_blocks", "\(epochBlocks) must be 1…1000000")
        }
        guard proofWindowBlocks >= 1, proofWindowBlocks <= epochBlocks else {
            throw bad("proof_window_blocks", "\(proofWindowBlocks) must be 1…epoch_blocks (\(epochBlocks))")
        }
        guard minProviderStake > .zero else { throw bad("min_provider_stake", "must be more than 0") }
        guard proposerFeePerMille <= 1000 else {
            throw bad("proposer_fee_per_mille", "\(proposerFeePerMille) is more than 1000 (all of the payment)")
        }
        guard repairFeePerMille <= 1000 else {
            throw bad("repair_fee_per_mille", "\(repairFeePerMille) is more than 1000 (all of the escrow)")
        }
        guard missesBeforeRepair >= 1, missesBeforeRepair <= 1000 else {
            throw bad("misses_before_repair", "\(missesBeforeRepair) must be 1…1000")
        }
        guard penaltyCap >= penaltyBase else {
            throw bad("penalty_cap", "\(penaltyCap) is less than penalty_base (\(penaltyBase))")
        }
        guard maxProofsPerTx >= 1, maxProofsPerTx <= MarketParameters.maxProofsLimit else {
            throw bad("max_proofs_per_tx", "\(maxProofsPerTx) must be 1…\(MarketParameters.maxProofsLimit)")
        }
        guard proofSamplePerProvider >= 1 else {
            throw bad("proof_sample_per_provider", "must be at least 1")
        }
        guard defaultDurationEpochs >= 1, defaultDurationEpochs <= 1_000_000 else {
            throw bad("default_duration_epochs", "\(defaultDurationEpochs) must be 1…1000000")
        }
        guard maxChallengesPerEpoch >= 1 else {
            throw bad("max_challenges_per_epoch", "must be at least 1")
        }
        guard livenessEpochs >= 1, livenessEpochs <= 1_000_000 else {
            throw bad("liveness_epochs", "\(livenessEpochs) must be 1…1000000")
        }
    }
}
