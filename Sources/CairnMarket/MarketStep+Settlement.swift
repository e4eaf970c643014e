import CairnChain
import CairnCrypto

extension MarketStep {
    /// Settles the epoch that block `height` closes (its last block), then opens the next one, seeded from this
    /// block's hash. O(open agreements): only the open index is walked, in ID order.
    ///
    /// For each open agreement running this epoch (`startEpoch` ≤ epoch):
    /// - not in the epoch's audit sample (`MarketState.isChallenged`): paid as if proved (storage is paid by
    ///   time; the sample is an audit) while its provider is online (`MarketProvider.isOnline`,
    ///   `livenessEpochs`); neither a proof nor a miss, so its run of misses stays as it is. A provider offline
    ///   is not paid, and its active agreement is marked for repair: under a network-wide sample most
    ///   agreements go unchallenged for many epochs, and a provider that left must not hold its slots (and be
    ///   paid for them) until a challenge happens to fall on them;
    /// - challenged and proved: its price for the epoch (at most its escrow) is released,
    ///   `proposerFeePerMille` of it to the block's proposer and the rest to the provider; its run of misses
    ///   resets;
    /// - challenged and not proved: a miss. The provider's stake loses
    ///   `min(penaltyCap, penaltyBase × 2^(run − 1), stake)` into the agreement's escrow (the owner's side),
    ///   `run` the consecutive misses counting this one; at `missesBeforeRepair` in a row the agreement is
    ///   marked for repair.
    /// Then every agreement whose last epoch this was expires: the escrow left returns to the owner. The next
    /// epoch's audit counts (`MarketState.challengeable`) are taken from the open agreements left.
    mutating func settle(proposer: PublicKey, blockHash: Key256) throws(ExtensionRefusal) {
        let epoch = market.epoch
        for id in market.openIDs.sorted() {
            guard var agreement = market.agreements[id], agreement.startEpoch <= epoch else { continue }
            if !market.isChallenged(agreement, parameters: parameters) {
                let online = market.providers[agreement.provider].map {
                    $0.isOnline(in: epoch, livenessEpochs: parameters.livenessEpochs)
                } ?? false
                if online {
                    try pay(&agreement, proposer: proposer)
                } else if agreement.state == .active {
                    agreement.state = .repairNeeded
                    market.repairableIDs.insert(id)
                }
            } else if market.provedThisEpoch.contains(id) {
                try pay(&agreement, proposer: proposer)
                agreement.proofsOK += 1
                agreement.consecutiveMisses = 0
                market.providers[agreement.provider]?.proofsOK += 1
            } else {
                agreement.proofsMissed += 1
                agreement.consecutiveMisses += 1
                if var provider = market.providers[agreement.provider] {
                    let penalty = min(penalty(afterMisses: agreement.consecutiveMisses), provider.stake)
                    provider.stake.baseUnits -= penalty.baseUnits
                    provider.proofsMissed += 1
                    market.providers[agreement.provider] = provider
                    agreement.escrow.baseUnits &+= penalty.baseUnits
                    agreement.penaltiesTotal.baseUnits &+= penalty.baseUnits
                }
                if agreement.consecutiveMisses >= parameters.missesBeforeRepair, agreement.state == .active {
                    agreement.state = .repairNeeded
                    market.repairableIDs.insert(id)
                }
            }
            if agreement.endEpoch <= epoch + 1 {
                let refund = agreement.escrow
                close(&agreement, as: .expired)
                try release(to: agreement.owner, refund)
            } else {
                market.agreements[id] = agreement
            }
        }
        market.epoch = epoch + 1
        market.epochSeed = MarketClock.seed(epoch: epoch + 1, previousBlockHash: blockHash)
        market.provedThisEpoch = []
        market.recountChallengeable()
    }

    /// Releases `agreement`'s price for the epoch (at most its escrow): `proposerFeePerMille` of it to the
    /// block's proposer, the rest to the provider.
    mutating func pay(_ agreement: inout StorageAgreement, proposer: PublicKey) throws(ExtensionRefusal) {
        let payment = min(agreement.pricePerEpoch, agreement.escrow)
        let fee = Self.perMille(payment, parameters.proposerFeePerMille)
        agreement.escrow.baseUnits -= payment.baseUnits
        agreement.paidTotal.baseUnits &+= payment.baseUnits
        try release(to: proposer, fee)
        try release(to: agreement.provider, Amount(payment.baseUnits - fee.baseUnits))
    }

    /// The penalty for a run of `misses` consecutive misses (`MarketParameters.penalty(afterMisses:)`).
    func penalty(afterMisses misses: UInt64) -> Amount { parameters.penalty(afterMisses: misses) }
}
