import CairnChain
import CairnCrypto

extension MarketStep {
    /// Repair, from any keeper: the slot of an agreement marked for repair, or whose provider is withdrawing or
    /// gone, moves to `newProvider` (same slot root; the keeper rebuilt the shards off chain). The replacement runs
    /// from the next epoch to the old end, funded from the old agreement's escrow with the owner offline; the
    /// keeper is paid `repairFeePerMille` of that escrow. Refused when the escrow left cannot pay the new
    /// provider's price for the epochs left, the new provider is priced above the owner's maximum, or it already
    /// holds another open slot of the file (one provider lost must cost a file one slot, not two).
    ///
    /// Which keeper repairs is not enforced on chain (the first valid repair wins); `MarketState.repairer` gives
    /// the order every keeper computes alike, so that they do not all race.
    mutating func repair(
        _ id: Key256, newProvider: PublicKey, sender: PublicKey, transactionHash: Key256
    ) throws(ExtensionRefusal) {
        var old = try openAgreement(id)
        guard market.isRepairable(old) else {
            throw refuse("agreement \(id.shortHex)… is active and its provider in good standing: nothing to repair")
        }
        guard newProvider != old.provider else { throw refuse("the new provider is the current one") }
        for other in market.openByProvider[newProvider] ?? [] {
            guard let held = market.agreements[other], held.fileID == old.fileID else { continue }
            throw refuse(
                "provider \(newProvider.address) already holds slot \(held.slot) of file \(old.fileID.shortHex)…")
        }
        let candidate = try provider(newProvider)
        try checkTakes(newProvider, candidate, size: old.sizeBytes, maxPrice: old.maxPricePerGiBEpoch)
        let start = market.epoch + 1
        guard old.endEpoch > start else {
            throw refuse("agreement \(id.shortHex)… expires with epoch \(market.epoch): nothing is left to repair")
        }
        let fee = Self.perMille(old.escrow, parameters.repairFeePerMille)
        let escrow = Amount(old.escrow.baseUnits - fee.baseUnits)
        let price = try pricePerEpoch(candidate, size: old.sizeBytes)
        let needed = try multiply(price, old.endEpoch - start, "the replacement's cost")
        guard escrow >= needed else {
            throw refuse(
                "the escrow left after the repair fee (\(escrow) base units) does not pay \(needed) for "
                    + "\(old.endEpoch - start) epochs with \(newProvider.address)")
        }
        var replacement = old
        replacement.id = StorageAgreement.id(transactionHash: transactionHash, slot: old.slot)
        replacement.provider = newProvider
        replacement.startEpoch = start
        replacement.pricePerEpoch = price
        replacement.escrow = escrow
        replacement.proofsOK = 0
        replacement.proofsMissed = 0
        replacement.consecutiveMisses = 0
        replacement.paidTotal = .zero
        replacement.penaltiesTotal = .zero
        replacement.state = .active
        close(&old, as: .ended)
        insertOpen(replacement)
        try release(to: sender, fee)
    }
}
