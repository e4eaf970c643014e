import CairnChain
import CairnCrypto
import CairnMarket
import CairnWire

/// This peer's own transactions that left the mempool without a block taking them (`ChainAction.dropped`).
extension RunningPeer {
    /// Signs again, with fresh nonces, the dropped transactions this peer still wants, in their old nonce order;
    /// the one that no longer applies is refused again, and the reason logged. One account's transactions form
    /// one nonce sequence, so a provider's late proof batch took its owner side's later transactions with it.
    ///
    /// An agreement's ID is the hash of the transaction that opened it: a dropped opening signed again opens
    /// agreements under new IDs, and the dropped ends and renewals after it are signed naming those (a file
    /// deleted right after its put otherwise kept the new opening's agreements, its ends refused).
    ///
    /// Not signed again: the market agent's own (proofs and check-ins of any epoch, its registration), which it
    /// posts again itself from the chain's state once it sees them gone; and transactions signed elsewhere with
    /// another key (the API's `POST /chain/transactions`), which only their signer can renew — logged.
    mutating func resubmitDropped(_ dropped: [SignedTransaction], now: Instant) {
        let agentOwned = Set(marketAgent?.outstanding ?? [])
        var renamed: [Key256: Key256] = [:]
        for tx in dropped {
            let old = tx.hash
            guard tx.transaction.sender == identity.publicKey else {
                actions.append(.log(PeerLogEntry(.warning, "a transaction submitted here left the mempool without "
                    + "a block taking it; only its signer can sign it again", ["cairn.tx": old.hex])))
                continue
            }
            let action = MarketAction(kind: tx.transaction.kind).map { $0.renamingAgreements(renamed) }
            guard !agentOwned.contains(old), action?.isAgentRoutine != true else { continue }
            switch submitSigned(action.map(MarketTransaction.kind) ?? tx.transaction.kind, now: now) {
            case .success(let new):
                if case .openAgreements(let open)? = action {
                    for slot in open.slots.map(\.slot) {
                        renamed[StorageAgreement.id(transactionHash: old, slot: slot)] =
                            StorageAgreement.id(transactionHash: new, slot: slot)
                    }
                }
                files.transactionResigned(old, as: new)
                actions.append(.log(PeerLogEntry(.info, "signed a dropped transaction again: an earlier one of this "
                    + "account no longer applied, and its nonce no longer followed", [
                        "cairn.tx": old.hex, "cairn.tx.new": new.hex,
                    ])))
            case .failure(let refusal):
                actions.append(.log(PeerLogEntry(.warning, "a transaction of this peer no longer applies and no block "
                    + "took it", ["cairn.tx": old.hex, "cairn.error": "\(refusal)"])))
            }
        }
    }
}

extension OwnerOperations {
    /// The operations waiting on transaction `old` follow its replacement `new` (same kind, new nonce).
    mutating func transactionResigned(_ old: Key256, as new: Key256) {
        for id in puts.keys where puts[id]!.agreementsTransaction == old { puts[id]!.agreementsResigned(as: new) }
        for id in repairs.keys where repairs[id]!.replacementTransaction == old {
            repairs[id]!.replacementTransaction = new
        }
    }
}

extension MarketAction {
    /// The market action `kind` carries, nil for a ledger kind or a payload that does not decode.
    init?(kind: TransactionKind) {
        guard case .extension(MarketExtension.kind, let payload) = kind,
              let action = try? MarketAction(payload: payload)
        else { return nil }
        self = action
    }

    /// Proofs and check-ins hold for one epoch: the agent posts what is still due itself, or nothing once the
    /// epoch has passed (an older round's dropped batch would only be refused as late).
    var isAgentRoutine: Bool {
        switch self {
        case .postProofs, .checkIn: true
        default: false
        }
    }

    /// This action with the agreement it ends or renews renamed by `renamed` (old ID → new ID).
    func renamingAgreements(_ renamed: [Key256: Key256]) -> MarketAction {
        switch self {
        case .endAgreement(let id): .endAgreement(agreementID: renamed[id] ?? id)
        case .renewAgreement(let id, let extra): .renewAgreement(agreementID: renamed[id] ?? id, extraEpochs: extra)
        default: self
        }
    }
}
