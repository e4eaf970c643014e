import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// A registered provider a put may open an agreement with: its account, where it is reached, and its price.
public struct MarketCandidate: Hashable, Sendable {
    public var key: PublicKey
    public var peer: PeerInfo
    public var pricePerGiBEpoch: Amount

    public init(key: PublicKey, peer: PeerInfo, pricePerGiBEpoch: Amount) {
        self.key = key
        self.peer = peer
        self.pricePerGiBEpoch = pricePerGiBEpoch
    }
}

/// How a put stands with the storage market (DESIGN.md §9, issue 9 item 2), decided by the peer machine from
/// the committed market before the survey: with agreements on registered providers, or without and why.
public enum PutMarketPlan: Hashable, Sendable {
    /// Place slot-stable on these providers (nearest the file nonce first, at least n; those past the n-th are
    /// spares), then open one agreement per slot.
    case agreements([MarketCandidate], durationEpochs: UInt64)
    /// Place as without a market; the sentence says why no agreement will be opened.
    case none(String)

    /// Bytes one slot of a file of `sizeHint` bytes holds: its shard in every segment. Without a size, one
    /// shard of a full segment.
    public static func slotBytes(parameters: CodingParameters, sizeHint: UInt64?) -> UInt64 {
        guard let size = sizeHint else { return UInt64(parameters.maxShardLength) }
        let segments = parameters.segmentCount(forFileSize: size)
        guard segments > 0 else { return UInt64(parameters.shardLength(forPlaintextLength: 0)) }
        let last = parameters.shardLength(
            forPlaintextLength: parameters.plaintextLength(
                ofSegment: segments - 1, fileSize: size))
        return UInt64(segments - 1) * UInt64(parameters.maxShardLength) + UInt64(last)
    }

    /// The registered providers that may take a slot of `slotBytes`: active, online (`MarketProvider.isOnline`),
    /// staked at least the minimum, with that much room left and asking at most `maxPrice`, at an address that
    /// parses; nearest `nonce` (XOR of their peer ID) first, as the survey orders its candidates.
    public static func eligible(
        in state: MarketState, parameters: MarketParameters, slotBytes: UInt64, maxPrice: Amount?, near nonce: Key256
    ) -> [MarketCandidate] {
        state.providers.compactMap { key, provider -> MarketCandidate? in
            guard provider.status == .active,
                provider.isOnline(in: state.epoch, livenessEpochs: parameters.livenessEpochs),
                provider.stake >= parameters.minProviderStake,
                provider.freeBytes >= slotBytes, provider.pricePerGiBEpoch <= (maxPrice ?? .max),
                let address = PeerAddress(parsing: provider.address)
            else { return nil }
            return MarketCandidate(
                key: key, peer: PeerInfo(id: key.peerID, address: address), pricePerGiBEpoch: provider.pricePerGiBEpoch)
        }
        .sorted { $0.peer.id.distance(to: nonce) < $1.peer.id.distance(to: nonce) }
    }

    /// The plan for a put of `order` on a chain whose committed market is `market` (nil: no market).
    public static func decide(
        order: PutOrder, market: (state: MarketState, parameters: MarketParameters)?
    ) -> PutMarketPlan {
        guard let market else { return .none("no agreements: this network's chain has no storage market") }
        let n = order.parameters.n
        let slotBytes = slotBytes(parameters: order.parameters, sizeHint: order.sizeHint)
        let candidates = eligible(
            in: market.state, parameters: market.parameters, slotBytes: slotBytes,
            maxPrice: order.maxPricePerGiBEpoch, near: order.fileNonce)
        guard candidates.count >= n else {
            let registered = market.state.providers.count
            var reason = "no agreements: \(registered) registered providers"
            if candidates.count != registered {
                reason += " (\(candidates.count) active and online with \(slotBytes) bytes free"
                if let price = order.maxPricePerGiBEpoch {
                    reason += " at \(price) base units per GiB per epoch or less"
                }
                reason += ")"
            }
            return .none(reason + ", \(n) needed")
        }
        let duration = order.durationEpochs.flatMap { $0 == 0 ? nil : $0 } ?? market.parameters.defaultDurationEpochs
        return .agreements(candidates, durationEpochs: duration)
    }

    /// The escrow the agreements on the first n of `providers` lock for `epochs` epochs, slots of `slotBytes`
    /// each; nil when it overflows.
    public static func escrow(providers: [MarketCandidate], n: Int, slotBytes: UInt64, epochs: UInt64) -> Amount? {
        var total = Amount.zero
        for provider in providers.prefix(n) {
            guard
                let escrow = MarketPricing.escrow(
                    pricePerGiBEpoch: provider.pricePerGiBEpoch, size: slotBytes, epochs: epochs),
                let sum = try? total.adding(escrow)
            else { return nil }
            total = sum
        }
        return total
    }

    /// Why the put cannot pay for its agreements: `needed` (escrow and fees) above `balance`; nil when it can.
    public static func shortfall(
        needed: Amount?, balance: Amount, tokenSymbol: String, decimals: UInt8
    ) -> String? {
        guard let needed else {
            return "the agreements' escrow overflows: choose a lower --max-price or fewer --epochs"
        }
        guard needed > balance else { return nil }
        return "the agreements need \(needed.formatted(decimals: decimals)) \(tokenSymbol) in escrow and fees; "
            + "this account has \(balance.formatted(decimals: decimals)) \(tokenSymbol) "
            + "(cairn wallet faucet on a test network). Nothing was uploaded"
    }
}
