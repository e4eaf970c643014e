import CairnChain
import CairnCrypto
import CairnMarket
import CairnStorage
import CairnWire

/// Self-healing (DESIGN.md §9, issue 9 item 5): which peer rebuilds a repairable slot, when, and onto whom —
/// decided from the committed market alone, so that every peer decides alike and the simulator runs it too.
///
/// Candidates: every registered provider but the failed one (the chain's provider list is the one set of
/// peers every peer agrees on; a keeper's routing table is not), in `MarketState.repairer` order (closest
/// PeerID to the file ID first: the providers most likely to keep the descriptor). The i-th candidate acts
/// `i × repairFallbackBlocks` blocks after the agreement became repairable (as this peer saw it committed) if
/// no repair committed in the meantime; it then needs the descriptor, which it keeps or fetches from the DHT,
/// else it fails and the next one takes over.
extension MarketAgent {
    /// A slot this peer is to rebuild onto `newProvider`, then move on chain (`MarketTransaction.repair`).
    public struct SlotRepair: Hashable, Sendable {
        public var agreement: StorageAgreement
        public var newProvider: MarketCandidate
        /// The file's other open slots and their providers (slot-stable: slot i of every segment on one).
        public var sources: [Int: PeerInfo]
    }

    /// The order in which peers repair `agreement`: the registered providers but its own, by
    /// `MarketState.repairer`.
    public static func repairCandidates(for agreement: StorageAgreement, in market: MarketState) -> [PublicKey] {
        MarketState.repairer(
            for: agreement, candidates: market.providers.keys.filter { $0 != agreement.provider })
    }

    /// Where `peer` stands in `repairCandidates(for: agreement, in: market)`, nil when it is not there: the same
    /// order counted rather than sorted, since every peer asks it for every repairable slot at every block (with
    /// the sort, that cost grew as providers × repairable slots × log providers a block on each peer).
    public static func repairPosition(of peer: PublicKey, for agreement: StorageAgreement, in market: MarketState)
        -> Int?
    {
        guard peer != agreement.provider, market.providers[peer] != nil else { return nil }
        let own = peer.peerID.distance(to: agreement.fileID)
        var position = 0
        for key in market.providers.keys where key != agreement.provider && key != peer {
            let distance = key.peerID.distance(to: agreement.fileID)
            if distance < own || (distance == own && key.precedes(peer)) { position += 1 }
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
        excluding: Set<PublicKey> = []
    ) -> MarketCandidate? {
        let holding = Set(market.agreements(ofFile: agreement.fileID).filter(\.isOpen).map(\.provider))
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
                !excluding.contains(candidate.key),
                let cost = MarketPricing.escrow(
                    pricePerGiBEpoch: candidate.pricePerGiBEpoch, size: agreement.sizeBytes,
                    epochs: agreement.endEpoch - start)
            else { return false }
            return cost.baseUnits <= escrow
        }
    }

    /// The repairs due from this peer at `height`.
    mutating func planRepairs(height: Height, market: MarketState, parameters: MarketParameters) {
        let repairable = market.repairable
        let ids = Set(repairable.map(\.id))
        repairSeen = repairSeen.filter { ids.contains($0.key) }
        repairTried = repairTried.filter { ids.contains($0.key) }
        repairsInFlight = repairsInFlight.filter { ids.contains($0.key) }
        repairExcluded = repairExcluded.filter { ids.contains($0.key) }
        for agreement in repairable {
            let seen = repairSeen[agreement.id] ?? height
            repairSeen[agreement.id] = seen
            guard repairsInFlight[agreement.id] == nil else { continue }
            if let tried = repairTried[agreement.id], height < tried + config.repairFallbackBlocks { continue }
            guard let position = Self.repairPosition(of: local, for: agreement, in: market),
                height >= seen + Self.repairDelay(position: position, fallbackBlocks: config.repairFallbackBlocks)
            else { continue }
            let candidates = market.providers.count - 1
            repairTried[agreement.id] = height
            var provider = Self.newProvider(
                for: agreement, in: market, parameters: parameters, excluding: repairExcluded[agreement.id] ?? [])
            if provider == nil, repairExcluded[agreement.id] != nil {
                // Every eligible provider failed once: they may have come back.
                repairExcluded[agreement.id] = nil
                provider = Self.newProvider(for: agreement, in: market, parameters: parameters)
            }
            guard let provider else {
                log(.warning, "agreement \(agreement.id.shortHex)… needs repair but no registered provider can "
                    + "take its slot", [
                        "cairn.market.file": agreement.fileID.hex, "cairn.market.slot": "\(agreement.slot)",
                    ])
                continue
            }
            var sources: [Int: PeerInfo] = [:]
            for other in market.agreements(ofFile: agreement.fileID) where other.isOpen && other.id != agreement.id {
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
            log(.warning, "the repair of agreement \(agreementID.shortHex)… failed: \(failure.reason); "
                + "trying again in \(config.repairFallbackBlocks) blocks unless another peer repairs it")
        }
    }
}

/// Why a self-repair did not end in a repair transaction.
public struct SelfRepairFailure: Error, Hashable, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
