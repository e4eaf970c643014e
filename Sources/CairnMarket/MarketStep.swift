import CairnChain
import CairnCrypto

/// One market transaction, or one epoch's settlement, worked out on a copy of the market state: the state after
/// it and the balance moves it needs. `MarketExtension.check` and `apply` run the same code, so that a
/// transaction the mempool admits applies alike in a block (only the sender's funds may have changed between).
struct MarketStep {
    let parameters: MarketParameters
    let clock: MarketClock
    /// The height of the block being applied.
    let height: Height
    var market: MarketState
    /// Base units to move from a balance into the market's escrow, in order (before any release).
    var locks: [(account: PublicKey, amount: Amount)] = []
    /// Base units to move from the market's escrow to balances, summed by account.
    var releases: [PublicKey: Amount] = [:]
    /// Why each proof of the batch that did not verify failed, by agreement ID (`postProofs` only).
    var invalidProofs: [(agreementID: Key256, reason: String)] = []

    init(parameters: MarketParameters, height: Height, market: MarketState) {
        self.parameters = parameters
        self.clock = MarketClock(parameters)
        self.height = height
        self.market = market
        // The step changes its copy: answers worked out from the state before must not carry over.
        self.market.views = MarketViews()
    }

    func refuse(_ reason: String) -> ExtensionRefusal { ExtensionRefusal(reason) }

    mutating func lock(from account: PublicKey, _ amount: Amount) {
        if amount > .zero { locks.append((account, amount)) }
    }

    mutating func release(to account: PublicKey, _ amount: Amount) throws(ExtensionRefusal) {
        guard amount > .zero else { return }
        guard let sum = try? releases[account, default: .zero].adding(amount) else {
            throw refuse("a payment to \(account.address) would overflow")
        }
        releases[account] = sum
    }

    /// Base units the step locks from `account`'s balance; nil past `UInt64.max`.
    func locked(from account: PublicKey) -> Amount? {
        var total = Amount.zero
        for entry in locks where entry.account == account {
            guard let sum = try? total.adding(entry.amount) else { return nil }
            total = sum
        }
        return total
    }

    /// The registered provider `key`, or a refusal naming it.
    func provider(_ key: PublicKey) throws(ExtensionRefusal) -> MarketProvider {
        guard let provider = market.providers[key] else {
            throw refuse("\(key.address) is not a registered provider")
        }
        return provider
    }

    /// The agreement `id`, open, or a refusal.
    func openAgreement(_ id: Key256) throws(ExtensionRefusal) -> StorageAgreement {
        guard let agreement = market.agreements[id] else { throw refuse("no agreement \(id.hex)") }
        guard agreement.isOpen else {
            throw refuse("agreement \(id.shortHex)… is \(agreement.state == .ended ? "ended" : "expired")")
        }
        return agreement
    }

    /// Base units per epoch for `size` bytes with `provider`: its price per GiB (2³⁰ bytes) times the size,
    /// rounded up to a whole base unit, so that a 4 MiB slot costs 1/256 of a GiB's price and not a whole GiB's.
    func pricePerEpoch(_ provider: MarketProvider, size: UInt64) throws(ExtensionRefusal) -> Amount {
        let product = provider.pricePerGiBEpoch.baseUnits.multipliedFullWidth(by: size)
        let gib = UInt64(1) << 30
        guard product.high < gib else { throw refuse("the price per epoch overflows") }
        let (quotient, remainder) = gib.dividingFullWidth(product)
        guard remainder == 0 || quotient < .max else { throw refuse("the price per epoch overflows") }
        return Amount(quotient + (remainder == 0 ? 0 : 1))
    }

    func multiply(_ amount: Amount, _ factor: UInt64, _ what: String) throws(ExtensionRefusal) -> Amount {
        let (product, overflow) = amount.baseUnits.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw refuse("\(what) overflows") }
        return Amount(product)
    }

    /// `amount × perMille / 1000`, rounded down, without overflow.
    static func perMille(_ amount: Amount, _ perMille: UInt64) -> Amount {
        let (high, low) = amount.baseUnits.multipliedFullWidth(by: min(perMille, 1000))
        return Amount(UInt64(1000).dividingFullWidth((high, low)).quotient)
    }

    /// Checks that `provider` may take `size` more bytes at a price no higher than `maxPrice` per GiB per epoch.
    func checkTakes(
        _ key: PublicKey, _ provider: MarketProvider, size: UInt64, maxPrice: Amount
    ) throws(ExtensionRefusal) {
        guard provider.status == .active else { throw refuse("provider \(key.address) is withdrawing") }
        guard provider.stake >= parameters.minProviderStake else {
            throw refuse(
                "provider \(key.address) has \(provider.stake) base units of stake, below the minimum "
                    + "\(parameters.minProviderStake)")
        }
        guard provider.freeBytes >= size else {
            throw refuse("provider \(key.address) has \(provider.freeBytes) bytes free; the slot needs \(size)")
        }
        guard provider.pricePerGiBEpoch <= maxPrice else {
            throw refuse(
                "provider \(key.address) asks \(provider.pricePerGiBEpoch) base units per GiB per epoch, above the "
                    + "owner's maximum of \(maxPrice)")
        }
    }

    /// Adds an open agreement and charges its provider's space.
    mutating func insertOpen(_ agreement: StorageAgreement) {
        market.agreements[agreement.id] = agreement
        market.openIDs.insert(agreement.id)
        market.openByProvider[agreement.provider, default: []].insert(agreement.id)
        market.openByFile[agreement.fileID, default: []].insert(agreement.id)
        if market.isRepairable(agreement) { market.repairableIDs.insert(agreement.id) }
        if var provider = market.providers[agreement.provider] {
            provider.usedBytes += agreement.sizeBytes
            provider.openAgreements += 1
            market.providers[agreement.provider] = provider
        }
    }

    /// Closes an open agreement as `state` and frees its provider's space; the escrow is the caller's to move.
    mutating func close(_ agreement: inout StorageAgreement, as state: StorageAgreement.State) {
        agreement.state = state
        agreement.escrow = .zero
        market.openIDs.remove(agreement.id)
        market.repairableIDs.remove(agreement.id)
        market.openByProvider[agreement.provider]?.remove(agreement.id)
        if market.openByProvider[agreement.provider]?.isEmpty == true {
            market.openByProvider[agreement.provider] = nil
        }
        market.openByFile[agreement.fileID]?.remove(agreement.id)
        if market.openByFile[agreement.fileID]?.isEmpty == true { market.openByFile[agreement.fileID] = nil }
        market.provedThisEpoch.remove(agreement.id)
        if var provider = market.providers[agreement.provider] {
            provider.usedBytes -= min(provider.usedBytes, agreement.sizeBytes)
            provider.openAgreements -= min(provider.openAgreements, 1)
            market.providers[agreement.provider] = provider
        }
        market.agreements[agreement.id] = agreement
    }
}
