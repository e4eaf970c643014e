import CairnChain
import CairnCrypto
import CairnMarket

/// Staying online on chain (`MarketParameters.livenessEpochs`): a provider whose last transaction is about to
/// be too old checks in (free, once an epoch), so that peers keep placing slots on it and counting on it to
/// repair. Proofs committed in an epoch count too, so a provider proving every epoch never checks in.
extension MarketAgent {
    /// Checks in during the last epoch it is sure to be online in (`lastActiveEpoch + livenessEpochs − 1`, or
    /// every epoch when the rule is 1), once that epoch's proof window has closed without a transaction of its
    /// own committing; any block once that epoch has passed. One check-in at a time, sent again when it neither
    /// committed nor stayed in the mempool for `retryAfterBlocks` blocks.
    mutating func checkIn(height: Height, market: MarketState, parameters: MarketParameters, inMempool: Set<Key256>) {
        guard let provider = market.providers[local], provider.lastActiveEpoch < market.epoch else {
            checkInPending = nil
            return
        }
        let due = provider.lastActiveEpoch + max(1, parameters.livenessEpochs) - 1
        let clock = MarketClock(parameters)
        // `market.epoch` is the epoch of the next block.
        guard market.epoch > due || (market.epoch == due && !clock.acceptsProofs(at: height + 1)) else { return }
        if let pending = checkInPending {
            if let hash = pending.hash, inMempool.contains(hash) { return }
            guard height >= pending.height + config.retryAfterBlocks else { return }
            checkInPending = nil
        }
        effects.append(.submit(MarketTransaction.checkIn(), .checkIn))
    }
}
