import CairnChain

/// What an agreement costs, as the chain will charge it (`MarketStep.pricePerEpoch`, `MarketStep.open`), for an
/// owner to estimate escrow before it sends anything.
public enum MarketPricing {
    /// Base units per epoch for `size` bytes at `pricePerGiBEpoch`: the price times the size over 2³⁰, rounded up
    /// to a whole base unit; nil when it overflows.
    public static func pricePerEpoch(pricePerGiBEpoch: Amount, size: UInt64) -> Amount? {
        let product = pricePerGiBEpoch.baseUnits.multipliedFullWidth(by: size)
        let gib = UInt64(1) << 30
        guard product.high < gib else { return nil }
        let (quotient, remainder) = gib.dividingFullWidth(product)
        guard remainder == 0 || quotient < .max else { return nil }
        return Amount(quotient + (remainder == 0 ? 0 : 1))
    }

    /// The escrow an agreement of `size` bytes for `epochs` epochs locks; nil when it overflows.
    public static func escrow(pricePerGiBEpoch: Amount, size: UInt64, epochs: UInt64) -> Amount? {
        guard let perEpoch = pricePerEpoch(pricePerGiBEpoch: pricePerGiBEpoch, size: size) else { return nil }
        let (total, overflow) = perEpoch.baseUnits.multipliedReportingOverflow(by: epochs)
        return overflow ? nil : Amount(total)
    }
}
