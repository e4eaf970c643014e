import CairnChain
import CairnCrypto
import CairnMarket
import CairnWire

/// The owner's side of the storage market around files (DESIGN.md §9, issue 9 item 2): a put's escrow checked
/// before anything is sent, its agreements opened once it is stored, and a removed file's agreements ended.
extension RunningPeer {
    /// Why a put with agreements cannot start: the committed balance is below the escrow of its first n
    /// providers plus the opening transaction's fee. Nil when it can, or when it opens no agreement.
    func escrowRefusal(order: PutOrder, plan: PutMarketPlan) -> String? {
        guard case .agreements(let providers, let duration) = plan, let chain else { return nil }
        let slotBytes = PutMarketPlan.slotBytes(parameters: order.parameters, sizeHint: order.sizeHint)
        let escrow = PutMarketPlan.escrow(
            providers: providers, n: order.parameters.n, slotBytes: slotBytes, epochs: duration)
        let needed = escrow.flatMap { try? $0.adding(chain.params.minFee) }
        return PutMarketPlan.shortfall(
            needed: needed, balance: chain.ledger.balance(of: identity.publicKey),
            tokenSymbol: chain.params.tokenSymbol, decimals: chain.params.decimals)
    }

    /// Submits the transaction that opens `request`'s agreements: its hash, or the chain's refusal.
    mutating func openAgreements(
        _ request: AgreementRequest, now: Instant
    ) -> Result<Key256, TransactionSubmissionError> {
        let kind = MarketTransaction.openAgreements(
            fileID: request.fileID, slots: request.slots, durationEpochs: request.durationEpochs,
            maxPricePerGiBEpoch: request.maxPricePerGiBEpoch)
        return submitSigned(kind, now: now)
    }

    /// Ends agreements a failed put opened (the open transaction may still be in the mempool: the end is
    /// checked after it there); refusals are logged.
    mutating func endAgreements(_ ids: [Key256], now: Instant) {
        for id in ids {
            guard case .failure(let refusal) = submitSigned(MarketTransaction.end(agreementID: id), now: now)
            else { continue }
            actions.append(
                .log(
                    PeerLogEntry(
                        .warning, "could not end the agreement of a failed put",
                        [
                            "cairn.agreement": id.hex, "cairn.error": "\(refusal)",
                        ])))
        }
    }

    /// Ends the open agreements this peer owns for `fileID`, one transaction each; returns how many were
    /// submitted, and the refusals if any (logged, with the file, on a chain with a market).
    ///
    /// Read from the mempool's pending state, not the committed one: a file removed right after its put has its
    /// agreements in a transaction no block has taken yet, and looking only at the committed chain left them
    /// open once it did, with the owner's escrow paying for deleted shards and their providers fined for
    /// missing proofs of them.
    mutating func endAgreements(ofFile fileID: Key256, now: Instant) -> (Int, String?) {
        guard let chain, chain.params.market != nil else { return (0, nil) }
        let pending = MarketState.of(chain.mempool.pending)
        let owned = pending.openAgreements(ofFile: fileID).filter { $0.owner == identity.publicKey }
        var ended = 0
        var refusals: [String] = []
        for agreement in owned {
            switch submitSigned(MarketTransaction.end(agreementID: agreement.id), now: now) {
            case .success: ended += 1
            case .failure(let refusal): refusals.append("agreement \(agreement.id.shortHex)…: \(refusal)")
            }
        }
        let note = refusals.isEmpty ? nil : "not ended: " + refusals.joined(separator: "; ")
        actions.append(.log(PeerLogEntry(note == nil ? .info : .warning, "deleting a file: its agreements end", [
            "cairn.file": fileID.hex, "cairn.agreements.ended": "\(ended)", "cairn.error": note ?? "",
        ])))
        return (ended, note)
    }
}
