import CairnMarket
import CairnStorage

/// A provider drops the shards of a slot once the committed chain no longer shows its agreement open: ended by
/// the owner, expired, or repaired onto another provider. Without this, those shards stayed on disk for good
/// and counted against the free allowance (`KeptBytesLimit`), until the provider refused confirmations it had
/// room for. A slot this provider holds again under another open agreement keeps its shards.
///
/// Only agreements whose slot this agent learnt (`slots`, from the descriptor) are released: one that closed
/// while the peer was stopped is not seen closing, and its shards stay.
extension MarketAgent {
    /// One agreement's slot as this provider holds it.
    struct HeldSlot: Sendable {
        /// The slot's shard IDs in segment order, checked against the agreement's slot root.
        var shards: [ShardID]
        /// Whose shards those are at the store: the file's nonce and owner.
        var reference: ShardReference
    }

    mutating func releaseClosedSlots(_ market: MarketState) {
        let open = market.openByProvider[local] ?? []
        for (id, slot) in slots.sorted(by: { $0.key < $1.key }) where !open.contains(id) {
            slots[id] = nil
            guard let closed = market.agreements[id], !holdsSlot(of: closed, in: market) else { continue }
            effects.append(.releaseShards(newTicket(), slot.reference, slot.shards))
            log(.info, "agreement \(id.shortHex)… is closed: its \(slot.shards.count) shards are dropped",
                ["cairn.file": closed.fileID.hex, "cairn.slot": "\(closed.slot)"])
        }
    }

    /// Whether this provider holds `agreement`'s slot (its file and slot number) under an agreement open in
    /// `market`: the agreement itself, or another that gave it the slot again.
    func holdsSlot(of agreement: StorageAgreement, in market: MarketState) -> Bool {
        market.openAgreements(ofFile: agreement.fileID).contains { $0.provider == local && $0.slot == agreement.slot }
    }
}
