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
    /// Not signed again: the market agent's own (proofs, check-ins, registration), which it posts again itself
    /// from the chain's state once it sees them gone; and transactions signed elsewhere with another key (the
    /// API's `POST /chain/transactions`), which only their signer can renew — logged.
    mutating func resubmitDropped(_ dropped: [SignedTransaction], now: Instant) {
        let agentOwned = Set(marketAgent?.outstanding ?? [])
        for tx in dropped {
            let old = tx.hash
            guard tx.transaction.sender == identity.publicKey else {
                actions.append(.log(PeerLogEntry(.warning, "a transaction submitted here left the mempool without "
                    + "a block taking it; only its signer can sign it again", ["cairn.tx": old.hex])))
                continue
            }
            guard !agentOwned.contains(old) else { continue }
            switch submitSigned(tx.transaction.kind, now: now) {
            case .success(let new):
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
