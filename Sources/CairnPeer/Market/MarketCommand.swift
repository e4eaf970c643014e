import CairnChain
import CairnCrypto
import CairnMarket

/// What a local user asks of the storage market (`PeerCommand.market`, issue 9 item 6). Transactions are signed
/// by this peer's identity, which is the provider's and the owner's account, and submitted to its chain.
public enum MarketCommand: Sendable {
    /// Registers this peer as a provider at its own address: `capacityBytes`, a price in base units per GiB
    /// per epoch, and `stake` base units locked while it has agreements.
    case register(capacityBytes: UInt64, pricePerGiBEpoch: Amount, stake: Amount)
    /// Changes this provider's capacity and price, and adds stake.
    case update(capacityBytes: UInt64, pricePerGiBEpoch: Amount, addedStake: Amount)
    /// Withdraws this provider: no new agreement; the stake comes back once its agreements have ended.
    case withdraw
    /// Extends an agreement this peer owns by `epochs`, locking their price in escrow.
    case renew(agreement: Key256, epochs: UInt64)
    /// Ends an agreement this peer owns; the unused escrow comes back.
    case end(agreement: Key256)
    /// The committed market as this peer sees it.
    case snapshot
}

public enum MarketCommandResult: Sendable {
    /// The transaction's hash once in the mempool, or why it was refused (nothing was sent then).
    case submitted(Result<Key256, TransactionSubmissionError>)
    case snapshot(MarketSnapshot)
}

/// The committed market at one height, with what a reader needs to present it.
public struct MarketSnapshot: Sendable {
    public var height: Height
    public var parameters: MarketParameters
    public var state: MarketState
    /// This peer's account, and its committed balance.
    public var local: PublicKey
    public var balance: Amount
    public var tokenSymbol: String
    public var decimals: UInt8
    /// What this peer's market agent sees coming before the chain does (`MarketAgent.proofWarnings`).
    public var localWarnings: [String] = []

    public var clock: MarketClock { MarketClock(parameters) }
    /// This peer's provider status (record, score, warnings), nil when it is not registered.
    public var providerStatus: ProviderStatus? { state.status(ofProvider: local, parameters: parameters) }
}
