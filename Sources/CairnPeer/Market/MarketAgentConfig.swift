import CairnChain

/// What a peer does in the storage market on its own (issue 9): register as a provider when it has capacity,
/// and answer its challenges every epoch. `PeerMachineConfig.market`; nil for a peer that takes no part.
public struct MarketAgentConfig: Hashable, Sendable {
    /// Registers this peer as a provider once its chain is caught up, asking the faucet for the stake first
    /// when the genesis has one.
    public var autoRegister: Bool
    /// Bytes offered to the market.
    public var capacityBytes: UInt64
    /// Base units per GiB per epoch.
    public var pricePerGiBEpoch: Amount
    /// Base units staked; nil for the market's minimum (`MarketParameters.minProviderStake`).
    public var stake: Amount?
    /// Blocks after which a transaction of the agent's that neither committed nor stayed in the mempool is
    /// sent again.
    public var retryAfterBlocks: UInt64 = 3
    /// Shard reads (proofs of storage) in flight at once.
    public var maxReadsInFlight: Int = 8
    /// Rebuilds repairable slots of other peers' files when this peer's turn comes (`MarketAgent.planRepairs`).
    public var selfRepair = true
    /// Blocks each repair candidate waits after the one before it in the order (the i-th waits i times this),
    /// and before this peer tries a failed repair again.
    public var repairFallbackBlocks: UInt64 = 20

    public init(autoRegister: Bool = true, capacityBytes: UInt64, pricePerGiBEpoch: Amount, stake: Amount? = nil) {
        self.autoRegister = autoRegister
        self.capacityBytes = capacityBytes
        self.pricePerGiBEpoch = pricePerGiBEpoch
        self.stake = stake
    }

    /// The default price: 0.01 of a token per GiB per epoch, for a chain of `decimals` decimals.
    public static func defaultPrice(decimals: UInt8) -> Amount {
        var units: UInt64 = 1
        for _ in 0..<max(2, Int(decimals)) - 2 { units *= 10 }
        return Amount(units)
    }
}
