import CairnChain
import CairnCrypto
import CairnStorage

extension MarketStep {
    /// Open: one agreement per listed slot, from the next epoch for `durationEpochs`, escrow locked from the
    /// owner (price per epoch × epochs, summed over the slots).
    mutating func open(_ request: OpenAgreements, sender: PublicKey, transactionHash: Key256) throws(ExtensionRefusal) {
        guard !request.slots.isEmpty else { throw refuse("the transaction opens no agreement") }
        let duration = request.durationEpochs == 0 ? parameters.defaultDurationEpochs : request.durationEpochs
        let start = market.epoch + 1
        let (end, late) = start.addingReportingOverflow(duration)
        guard !late else { throw refuse("a duration of \(duration) epochs runs past the last epoch") }
        var seen = Set<UInt16>()
        var total = Amount.zero
        for placement in request.slots {
            guard seen.insert(placement.slot).inserted else { throw refuse("slot \(placement.slot) is listed twice") }
            try checkSizes(placement)
            let provider = try provider(placement.provider)
            var agreement = StorageAgreement(
                id: StorageAgreement.id(transactionHash: transactionHash, slot: placement.slot), owner: sender,
                provider: placement.provider, fileID: request.fileID, slot: placement.slot,
                slotRoot: placement.slotRoot, segmentCount: placement.segmentCount, shardLength: placement.shardLength,
                lastShardLength: placement.lastShardLength, startEpoch: start, endEpoch: end, pricePerEpoch: .zero,
                maxPricePerGiBEpoch: request.maxPricePerGiBEpoch, escrow: .zero, proofsOK: 0, proofsMissed: 0,
                consecutiveMisses: 0, paidTotal: .zero, penaltiesTotal: .zero, state: .active)
            try checkTakes(
                placement.provider, provider, size: agreement.sizeBytes, maxPrice: request.maxPricePerGiBEpoch)
            agreement.pricePerEpoch = try pricePerEpoch(provider, size: agreement.sizeBytes)
            agreement.escrow = try multiply(agreement.pricePerEpoch, duration, "slot \(placement.slot)'s escrow")
            guard let sum = try? total.adding(agreement.escrow) else { throw refuse("the escrow overflows") }
            total = sum
            insertOpen(agreement)
        }
        lock(from: sender, total)
    }

    /// Sizes a proof can be checked against: at least one segment, shard lengths 1…2³² − 1, the last no longer
    /// than the others.
    func checkSizes(_ placement: SlotPlacement) throws(ExtensionRefusal) {
        guard placement.segmentCount >= 1, placement.segmentCount <= UInt32(Descriptor.maxSegmentCount) else {
            let most = Descriptor.maxSegmentCount
            throw refuse("slot \(placement.slot) has \(placement.segmentCount) segments; 1…\(most) allowed")
        }
        guard placement.shardLength >= 1, placement.lastShardLength >= 1,
            placement.lastShardLength <= placement.shardLength
        else {
            throw refuse(
                "slot \(placement.slot)'s shard lengths (\(placement.shardLength), last \(placement.lastShardLength)) "
                    + "must be at least 1, the last no longer than the others")
        }
    }

    /// Renew: the owner extends an open agreement, locking `extraEpochs` more epochs at its price.
    mutating func renew(_ id: Key256, extraEpochs: UInt64, sender: PublicKey) throws(ExtensionRefusal) {
        var agreement = try openAgreement(id)
        guard agreement.owner == sender else { throw refuse("only the owner renews agreement \(id.shortHex)…") }
        guard extraEpochs >= 1 else { throw refuse("a renewal adds at least one epoch") }
        let (end, late) = agreement.endEpoch.addingReportingOverflow(extraEpochs)
        guard !late else { throw refuse("the renewal runs past the last epoch") }
        let added = try multiply(agreement.pricePerEpoch, extraEpochs, "the renewal's escrow")
        guard let escrow = try? agreement.escrow.adding(added) else { throw refuse("the escrow overflows") }
        agreement.endEpoch = end
        agreement.escrow = escrow
        market.agreements[id] = agreement
        lock(from: sender, added)
    }

    /// End: the owner ends an open agreement now; the escrow left (this epoch's unpaid share included) returns.
    mutating func end(_ id: Key256, sender: PublicKey) throws(ExtensionRefusal) {
        var agreement = try openAgreement(id)
        guard agreement.owner == sender else { throw refuse("only the owner ends agreement \(id.shortHex)…") }
        let refund = agreement.escrow
        close(&agreement, as: .ended)
        try release(to: sender, refund)
    }
}
