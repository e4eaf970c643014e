import CairnMarket
import CairnStorage

/// A provider drops the shards of a slot once the committed chain no longer shows its agreement open: ended by
/// the owner, expired, or repaired onto another provider. Without this, those shards stayed on disk for good
/// and counted against the free allowance (`KeptBytesLimit`), until the provider refused confirmations it had
/// room for. A slot this provider holds again under another open agreement keeps its shards.
///
/// Only agreements whose slot shards this agent learnt (`slotShards`, from the descriptor) are released: one
/// that closed while the peer was stopped is not seen closing, and its shards stay.
extension MarketAgent {
    mutating func releaseClosedSlots(_ market: MarketState) {
        let open = market.openByProvider[local] ?? []
        for (id, reference) in slotReferences.sorted(by: { $0.key < $1.key }) where !open.contains(id) {
            slotReferences[id] = nil
            guard let shards = slotShards.removeValue(forKey: id), let closed = market.agreements[id] else { continue }
            let heldAgain = market.openAgreements(ofFile: closed.fileID).contains {
                $0.provider == local && $0.slot == closed.slot
            }
            guard !heldAgain else { continue }
            let ticket = StoreTicket(rawValue: Self.ticketBit | nextTicket)
            nextTicket += 1
            effects.append(.releaseShards(ticket, reference, shards))
            log(.info, "agreement \(id.shortHex)… is closed: its \(shards.count) shards are dropped",
                ["cairn.file": closed.fileID.hex, "cairn.slot": "\(closed.slot)"])
        }
    }
}
