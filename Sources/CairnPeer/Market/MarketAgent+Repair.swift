import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Self-healing (DESIGN.md §9, issue 9 item 5): which peer rebuilds a repairable slot, when, and onto whom —
/// decided from the committed market alone, so that every peer decides alike and the simulator runs it too.
///
/// Candidates: every registered provider but the failed one and those missing proofs or offline now (the
/// chain's provider list is the one set of peers every peer agrees on; a keeper's routing table is not), in
/// `MarketState.repairer` order (closest PeerID to the file ID first: the providers most likely to keep the
/// descriptor). The i-th candidate acts `i × repairFallbackBlocks` blocks after the agreement became
/// repairable (as this peer saw it committed) if no repair committed in the meantime; it then needs the
/// descriptor, which it keeps or fetches from the DHT, else it fails and the next one takes over.
extension MarketAgent {
    /// A slot this peer is to rebuild onto `newProvider`, then move on chain (`MarketTransaction.repair`).
    public struct SlotRepair: Hashable, Sendable {
        public var agreement: StorageAgreement
        public var newProvider: MarketCandidate
        /// The file's other open slots and their providers (slot-stable: slot i of every segment on one).
        public var sources: [Int: PeerInfo]
    }

    /// The order in which peers repair `agreement`: the registered providers but its own and the failing ones
    /// (`failingProviders`), by `MarketState.repairer`. `failing` may be passed when already computed.
    public static func repairCandidates(
        for agreement: StorageAgreement, in market: MarketState, parameters: MarketParameters,
        failing: Set<PublicKey>? = nil
    ) -> [PublicKey] {
        let failing = failing ?? failingProviders(in: market, parameters: parameters)
        return MarketState.repairer(
            for: agreement,
            candidates: market.providers.keys.filter { $0 != agreement.provider && !failing.contains($0) })
    }

    /// Providers with an open agreement in a run of missed epochs: dead, cut off or short of data right now. A
    /// dead provider stays registered, so without this it could head the repair order (and every later
    /// candidate wait for it) or be chosen to receive the rebuilt slot; when three providers of a file die at
    /// once, each of their slots would wait a fallback period per dead candidate. From the committed market
    /// alone, so every peer excludes the same ones.
    ///
    /// Also a provider that has missed proofs and holds no open agreement any more: every slot it held was moved
    /// away after its misses, so it is most likely gone, yet it stays registered and, challenged for nothing,
    /// never fails again. Without this such providers pile up at the head of repair orders as churn goes on
    /// (each costing the slots behind it a fallback period); a live one comes back by taking new agreements.
    ///
    /// And every offline provider (`MarketProvider.isOnline`): one that left without ever holding an agreement
    /// misses nothing, so only its silence on chain tells it is gone.
    public static func failingProviders(in market: MarketState, parameters: MarketParameters) -> Set<PublicKey> {
        var failing = Set<PublicKey>()
        for (key, provider) in market.providers
        where (provider.openAgreements == 0 && provider.proofsMissed > 0)
            || !provider.isOnline(in: market.epoch, livenessEpochs: parameters.livenessEpochs)
        {
            failing.insert(key)
        }
        for id in market.openIDs {
            guard let agreement = market.agreements[id], agreement.consecutiveMisses > 0 else { continue }
            failing.insert(agreement.provider)
        }
        return failing
    }

    /// Where `peer` stands in `repairCandidates(for: agreement, in: market, …)`, nil when it is not there: the same
    /// order counted rather than sorted, since every peer asks it for every repairable slot at every block (with
    /// the sort, that cost grew as providers × repairable slots × log providers a block on each peer).
    /// `limit`: the caller acts only at a position up to it, so counting stops (nil) past it — at most a few
    /// providers are counted for a peer far down the order, where the whole list took one SHA-256 per provider.
    public static func repairPosition(
        of peer: PublicKey, for agreement: StorageAgreement, in market: MarketState, parameters: MarketParameters,
        failing: Set<PublicKey>? = nil, limit: Int = .max
    ) -> Int? {
        let failing = failing ?? failingProviders(in: market, parameters: parameters)
        guard peer != agreement.provider, market.providers[peer] != nil, !failing.contains(peer) else { return nil }
        let own = peer.peerID.distance(to: agreement.fileID)
        var position = 0
        for key in market.providers.keys where key != agreement.provider && key != peer && !failing.contains(key) {
            let distance = key.peerID.distance(to: agreement.fileID)
            if distance < own || (distance == own && key.precedes(peer)) {
                position += 1
                if position > limit { return nil }
            }
        }
        return position
    }

    /// Blocks the candidate at `position` of `repairCandidates` waits, after the agreement became repairable,
    /// before it repairs.
    public static func repairDelay(position: Int, fallbackBlocks: UInt64) -> UInt64 {
        UInt64(position) * fallbackBlocks
    }

    /// The provider the slot of `agreement` moves to: active, staked, with room for the slot, at most the owner's
    /// maximum price and paid in full by the escrow left after the repair fee, holding no other open slot of the
    /// file; nearest the file ID first (as `PutMarketPlan.eligible` orders). Nil when none qualifies.
    /// `excluding`: providers a repair of this peer's failed to place the slot on (dead, full, refusing), so that
    /// a dead provider does not stay the choice forever.
    public static func newProvider(
        for agreement: StorageAgreement, in market: MarketState, parameters: MarketParameters,
        excluding: Set<PublicKey> = [], failing: Set<PublicKey>? = nil
    ) -> MarketCandidate? {
        let failing = failing ?? failingProviders(in: market, parameters: parameters)
        let holding = Set(market.openAgreements(ofFile: agreement.fileID).map(\.provider))
        let start = market.epoch + 1
        guard agreement.endEpoch > start else { return nil }
        // The chain's own rule (`MarketStep.perMille`): ⌊escrow × fee‰ / 1000⌋.
        let product = agreement.escrow.baseUnits.multipliedFullWidth(by: min(parameters.repairFeePerMille, 1000))
        let fee = UInt64(1000).dividingFullWidth(product).quotient
        let escrow = agreement.escrow.baseUnits - min(fee, agreement.escrow.baseUnits)
        return PutMarketPlan.eligible(
            in: market, parameters: parameters, slotBytes: agreement.sizeBytes,
            maxPrice: agreement.maxPricePerGiBEpoch, near: agreement.fileID
        ).first { candidate in
            guard !holding.contains(candidate.key), candidate.key != agreement.provider,
                !excluding.contains(candidate.key), !failing.contains(candidate.key),
                let cost = MarketPricing.escrow(
                    pricePerGiBEpoch: candidate.pricePerGiBEpoch, size: agreement.sizeBytes,
                    epochs: agreement.endEpoch - start)
            else { return false }
            return cost.baseUnits <= escrow
        }
    }

    /// Where each of `repairable`'s slots goes, as every peer computes it: a file's repairable slots, in slot
    /// order, each take the first `newProvider` the earlier ones did not. Different keepers repair different
    /// slots of a file at the same height from the same committed market; without this they would all choose
    /// the same provider, and the chain takes only one slot of a file per provider.
    static func plannedTargets(
        _ repairable: [StorageAgreement], in market: MarketState, parameters: MarketParameters,
        failing: Set<PublicKey>
    ) -> [Key256: MarketCandidate] {
        var planned: [Key256: MarketCandidate] = [:]
        var taken: [Key256: Set<PublicKey>] = [:]
        for agreement in repairable.sorted(by: { ($0.fileID, $0.slot) < ($1.fileID, $1.slot) }) {
            guard let target = newProvider(
                for: agreement, in: market, parameters: parameters, excluding: taken[agreement.fileID] ?? [],
                failing: failing)
            else { continue }
            planned[agreement.id] = target
            taken[agreement.fileID, default: []].insert(target.key)
        }
        return planned
    }

    /// The repairs due from this peer at `height`.
    mutating func planRepairs(height: Height, market: MarketState, parameters: MarketParameters) {
        let repairable = market.repairable
        let ids = Set(repairable.map(\.id))
        repairSeen = repairSeen.filter { ids.contains($0.key) }
        repairTried = repairTried.filter { ids.contains($0.key) }
        repairsInFlight = repairsInFlight.filter { ids.contains($0.key) }
        repairExcluded = repairExcluded.filter { ids.contains($0.key) }
        guard !repairable.isEmpty else { return }
        // The same for every peer at this height: worked out once per state (`MarketViews`).
        let failing = market.views.memoised(MarketViews.Key("failing providers, \(parameters.livenessEpochs)")) {
            Self.failingProviders(in: market, parameters: parameters)
        }
        // Planned per file, and only for a file this peer is to repair now: each plan sorts the providers.
        var plans: [Key256: [Key256: MarketCandidate]] = [:]
        for agreement in repairable {
            let seen = repairSeen[agreement.id] ?? height
            repairSeen[agreement.id] = seen
            guard repairsInFlight[agreement.id] == nil else { continue }
            if let tried = repairTried[agreement.id], height < tried + config.repairFallbackBlocks { continue }
            // This peer repairs once `height ≥ seen + position × fallback` (`repairDelay`).
            let reached = config.repairFallbackBlocks == 0
                ? Int.max : Int(clamping: (height - min(height, seen)) / config.repairFallbackBlocks)
            guard let position = Self.repairPosition(
                of: local, for: agreement, in: market, parameters: parameters, failing: failing, limit: reached),
                height >= seen + Self.repairDelay(position: position, fallbackBlocks: config.repairFallbackBlocks)
            else { continue }
            let candidates = market.providers.keys.count { $0 != agreement.provider && !failing.contains($0) }
            repairTried[agreement.id] = height
            let planned =
                plans[agreement.fileID]
                ?? Self.plannedTargets(
                    repairable.filter { $0.fileID == agreement.fileID }, in: market, parameters: parameters,
                    failing: failing)
            plans[agreement.fileID] = planned
            // The targets planned for the file's other repairable slots are not this one's to take.
            let others = Set(
                repairable.filter { $0.fileID == agreement.fileID && $0.id != agreement.id }
                    .compactMap { planned[$0.id]?.key })
            var provider =
                repairExcluded[agreement.id] == nil
                ? planned[agreement.id]
                : Self.newProvider(
                    for: agreement, in: market, parameters: parameters,
                    excluding: others.union(repairExcluded[agreement.id] ?? []), failing: failing)
            if provider == nil, repairExcluded[agreement.id] != nil {
                // Every eligible provider failed once: they may have come back.
                repairExcluded[agreement.id] = nil
                provider = planned[agreement.id]
            }
            guard let provider else {
                log(.warning, "agreement \(agreement.id.shortHex)… needs repair but no registered provider can "
                    + "take its slot", [
                        "cairn.market.file": agreement.fileID.hex, "cairn.market.slot": "\(agreement.slot)",
                    ])
                continue
            }
            var sources: [Int: PeerInfo] = [:]
            for other in market.openAgreements(ofFile: agreement.fileID) where other.id != agreement.id {
                guard let address = market.providers[other.provider].flatMap({ PeerAddress(parsing: $0.address) })
                else { continue }
                sources[Int(other.slot)] = PeerInfo(id: other.provider.peerID, address: address)
            }
            repairsInFlight[agreement.id] = provider.key
            log(.info, "repairing slot \(agreement.slot) of file \(agreement.fileID.shortHex)… onto "
                + "\(provider.peer.address) (repairer \(position + 1) of \(candidates))", [
                    "cairn.market.agreement": agreement.id.hex, "cairn.market.height": "\(height)",
                ])
            effects.append(.repairSlot(SlotRepair(agreement: agreement, newProvider: provider, sources: sources)))
        }
    }

    /// The repair of `agreementID` is over: its transaction submitted (the hash), or failed (the reason). Either
    /// way the agreement is tried again after `repairFallbackBlocks` if it is still repairable by then.
    public mutating func repairEnded(_ agreementID: Key256, _ outcome: Result<Key256, SelfRepairFailure>) {
        let target = repairsInFlight.removeValue(forKey: agreementID)
        switch outcome {
        case .success(let hash):
            log(.info, "rebuilt the slot of agreement \(agreementID.shortHex)… and submitted its repair", [
                "cairn.tx": hash.hex,
            ])
        case .failure(let failure):
            if let target { repairExcluded[agreementID, default: []].insert(target) }
            if failure.newProviderFailed, target != nil {
                repairTried[agreementID] = nil
                return log(.warning, "the repair of agreement \(agreementID.shortHex)… failed: \(failure.reason); "
                    + "trying another provider")
            }
            log(.warning, "the repair of agreement \(agreementID.shortHex)… failed: \(failure.reason); "
                + "trying again in \(config.repairFallbackBlocks) blocks unless another peer repairs it")
        }
    }
}

/// Why a self-repair did not end in a repair transaction.
public struct SelfRepairFailure: Error, Hashable, Sendable {
    public var reason: String
    /// The new provider did not take the rebuilt shards (dead, full or refusing): the slot is tried again at
    /// the next block onto another provider, not after a fallback period. A provider that left without
    /// withdrawing stays registered and, holding no agreement, is never seen to fail a proof; waiting a
    /// fallback period for each such choice let other slots of a file go in `cairn sim storage`.
    public var newProviderFailed: Bool
    public init(_ reason: String, newProviderFailed: Bool = false) {
        self.reason = reason
        self.newProviderFailed = newProviderFailed
    }
}
