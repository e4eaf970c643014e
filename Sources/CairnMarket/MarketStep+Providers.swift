import CairnChain
import CairnCrypto
import CairnWire

extension MarketStep {
    /// Register: a new provider with at least the minimum stake, locked from its balance.
    mutating func register(_ offer: ProviderOffer, sender: PublicKey) throws(ExtensionRefusal) {
        guard market.providers[sender] == nil else {
            throw refuse("\(sender.address) is already a provider; send an update instead")
        }
        guard offer.stake >= parameters.minProviderStake else {
            throw refuse("a stake of \(offer.stake) base units is below the minimum \(parameters.minProviderStake)")
        }
        guard offer.capacityBytes > 0 else { throw refuse("the capacity must be more than 0 bytes") }
        try checkAddress(offer.address)
        market.providers[sender] = MarketProvider(
            capacityBytes: offer.capacityBytes, pricePerGiBEpoch: offer.pricePerGiBEpoch, stake: offer.stake,
            address: offer.address, lastActiveEpoch: market.epoch)
        lock(from: sender, offer.stake)
    }

    /// Update: new capacity (not below what is in use), price (for new agreements) and address; optional stake.
    mutating func update(_ update: ProviderUpdate, sender: PublicKey) throws(ExtensionRefusal) {
        var provider = try provider(sender)
        guard provider.status == .active else { throw refuse("provider \(sender.address) is withdrawing") }
        guard update.capacityBytes >= provider.usedBytes else {
            throw refuse("a capacity of \(update.capacityBytes) bytes is below the \(provider.usedBytes) in use")
        }
        try checkAddress(update.address)
        guard let stake = try? provider.stake.adding(update.addedStake) else {
            throw refuse("the stake would overflow")
        }
        provider.capacityBytes = update.capacityBytes
        provider.pricePerGiBEpoch = update.pricePerGiBEpoch
        provider.address = update.address
        provider.stake = stake
        provider.lastActiveEpoch = market.epoch
        market.providers[sender] = provider
        lock(from: sender, update.addedStake)
    }

    /// Withdraw: with no open agreement, the stake returns and the record goes; otherwise the provider is
    /// marked withdrawing (no new agreements; keepers may repair its slots) and withdraws again later.
    mutating func withdraw(sender: PublicKey) throws(ExtensionRefusal) {
        var provider = try provider(sender)
        if provider.openAgreements == 0 {
            market.providers[sender] = nil
            try release(to: sender, provider.stake)
            return
        }
        guard provider.status == .active else {
            throw refuse(
                "provider \(sender.address) still has \(provider.openAgreements) open agreements; its stake returns "
                    + "once they have ended or been repaired onto other providers")
        }
        provider.status = .withdrawing
        market.providers[sender] = provider
        market.repairableIDs.formUnion(market.openByProvider[sender] ?? [])
    }

    /// Check-in: a provider says it is online (`MarketParameters.livenessEpochs`). Refused when a transaction of
    /// its own already committed in this epoch, so that a free check-in cannot be repeated to fill blocks.
    mutating func checkIn(sender: PublicKey) throws(ExtensionRefusal) {
        var provider = try provider(sender)
        guard provider.lastActiveEpoch < market.epoch else {
            throw refuse("provider \(sender.address) is already known to be online in epoch \(market.epoch)")
        }
        provider.lastActiveEpoch = market.epoch
        market.providers[sender] = provider
    }

    func checkAddress(_ address: String) throws(ExtensionRefusal) {
        guard PeerAddress(parsing: address) != nil else {
            throw refuse("the address \"\(address)\" is not host:port")
        }
    }
}
