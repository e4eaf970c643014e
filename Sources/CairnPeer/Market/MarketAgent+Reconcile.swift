import CairnChain
import CairnMarket
import CairnStorage

/// After a start, a provider drops the shards of its agreements that closed while it was stopped (ended by
/// the owner, expired, or repaired onto another provider while it was away): `releaseClosedSlots` only sees
/// agreements close while the peer runs, and without this such shards stayed on disk for good, counted against
/// the free allowance.
///
/// On the first caught-up block after the start, every closed agreement of this provider whose slot it does not
/// hold again under an open one is queued; `reconcileReadsPerBlock` of them per block, the file's descriptor is
/// read from this peer's own blob store (a put sends each holder a copy) for the slot's shard IDs, checked against
/// the agreement's slot root, and the slot's shards are released unless the slot is held again by then. A
/// descriptor not kept here means nothing is known of the slot, and nothing is released. Releasing what an
/// earlier run released already changes nothing; every start goes over the provider's whole history again.
extension MarketAgent {
    /// Descriptor reads one block starts, so that a long history does not flood the store at once.
    static let reconcileReadsPerBlock = 32

    mutating func reconcileClosedSlots(_ market: MarketState) {
        guard reconcileQueue.map({ !$0.isEmpty }) ?? true || !reconcileReads.isEmpty else { return }
        // The market of every block while the reconciliation runs: a repair may give this provider a slot back in
        // the meantime, and its new shards must stay.
        reconcileMarket = market
        if reconcileQueue == nil {
            let closed = market.agreements.values.filter { $0.provider == local && !holdsSlot(of: $0, in: market) }
            reconcileQueue = closed.map(\.id).sorted()
            if !closed.isEmpty {
                log(.info, "checking the slots of \(closed.count) closed agreements of this provider for shards "
                    + "still kept")
            }
        }
        guard var queue = reconcileQueue, !queue.isEmpty else { return }
        let batch = queue.prefix(Self.reconcileReadsPerBlock)
        queue.removeFirst(batch.count)
        reconcileQueue = queue
        for id in batch {
            guard let agreement = market.agreements[id], !holdsSlot(of: agreement, in: market) else { continue }
            let ticket = newTicket()
            reconcileReads[ticket] = agreement
            effects.append(.readDescriptor(ticket, agreement.fileID))
        }
    }

    /// The store answered a reconciliation's read of `agreement`'s descriptor.
    mutating func reconcileRead(_ agreement: StorageAgreement, _ outcome: StoreOutcome) {
        guard let market = reconcileMarket, !holdsSlot(of: agreement, in: market),
            case .blob(let buffer?) = outcome,
            let descriptor = Self.checked(Array(buffer.readableBytesView), agreement.fileID, signature: false),
            case .success(let shards) = Self.slotShardIDs(of: agreement, in: descriptor)
        else { return }
        effects.append(.releaseShards(newTicket(), descriptor.reference, shards))
    }
}
