import CairnChain
import CairnCrypto
import CairnStorage

/// Builders of market transactions: each returns the `TransactionKind` to sign into a `Transaction`.
public enum MarketTransaction {
    public static func kind(_ action: MarketAction) -> TransactionKind {
        .extension(kind: MarketExtension.kind, payload: action.encoded)
    }

    public static func registerProvider(
        capacityBytes: UInt64, pricePerGiBEpoch: Amount, stake: Amount, address: String
    ) -> TransactionKind {
        kind(
            .registerProvider(
                ProviderOffer(
                    capacityBytes: capacityBytes, pricePerGiBEpoch: pricePerGiBEpoch, stake: stake, address: address)))
    }

    public static func updateProvider(
        capacityBytes: UInt64, pricePerGiBEpoch: Amount, address: String, addedStake: Amount = .zero
    ) -> TransactionKind {
        kind(
            .updateProvider(
                ProviderUpdate(
                    capacityBytes: capacityBytes, pricePerGiBEpoch: pricePerGiBEpoch, address: address,
                    addedStake: addedStake)))
    }

    public static func withdrawProvider() -> TransactionKind { kind(.withdrawProvider) }

    /// A provider's check-in: it is online this epoch (`MarketParameters.livenessEpochs`); fee-free.
    public static func checkIn() -> TransactionKind { kind(.checkIn) }

    /// Agreements for `slots` of one file; `durationEpochs` 0 takes the market's default.
    public static func openAgreements(
        fileID: Key256, slots: [SlotPlacement], durationEpochs: UInt64 = 0, maxPricePerGiBEpoch: Amount = .max
    ) -> TransactionKind {
        kind(
            .openAgreements(
                OpenAgreements(
                    fileID: fileID, durationEpochs: durationEpochs, maxPricePerGiBEpoch: maxPricePerGiBEpoch,
                    slots: slots)))
    }

    public static func renew(agreementID: Key256, extraEpochs: UInt64) -> TransactionKind {
        kind(.renewAgreement(agreementID: agreementID, extraEpochs: extraEpochs))
    }

    public static func end(agreementID: Key256) -> TransactionKind { kind(.endAgreement(agreementID: agreementID)) }

    public static func postProofs(epoch: UInt64, entries: [ProofBatch.Entry]) -> TransactionKind {
        kind(.postProofs(ProofBatch(epoch: epoch, entries: entries)))
    }

    public static func repair(agreementID: Key256, newProvider: PublicKey) -> TransactionKind {
        kind(.repair(agreementID: agreementID, newProvider: newProvider))
    }

    /// Bytes of a signed transaction around a payload: version, chain, sender, nonce, fee, tag, extension kind,
    /// payload length, signature (`Transaction+Wire.swift`).
    public static let transactionOverheadBytes = 1 + 32 + 32 + 8 + 8 + 1 + 2 + 4 + 64

    /// `entries` cut into as few batches as fit: each at most `maxProofs` entries, and each signed transaction
    /// at most `maxTxBytes` bytes. An entry too large for a transaction on its own is left out.
    public static func proofBatches(
        epoch: UInt64, entries: [ProofBatch.Entry], maxTxBytes: Int, maxProofs: Int
    ) -> [ProofBatch] {
        let fixed = transactionOverheadBytes + 2 + 8 + 2  // version and tag, epoch, count
        var batches: [ProofBatch] = []
        var current: [ProofBatch.Entry] = []
        var bytes = fixed
        for entry in entries {
            let size = entryBytes(entry)
            guard fixed + size <= maxTxBytes else { continue }
            if current.count == maxProofs || bytes + size > maxTxBytes {
                batches.append(ProofBatch(epoch: epoch, entries: current))
                current = []
                bytes = fixed
            }
            current.append(entry)
            bytes += size
        }
        if !current.isEmpty { batches.append(ProofBatch(epoch: epoch, entries: current)) }
        return batches
    }

    /// Bytes of one entry in the proofs payload.
    public static func entryBytes(_ entry: ProofBatch.Entry) -> Int {
        let proof = entry.proof
        return 32 + 8 + 4 + proof.leafBytes.count + (8 + 2 + 32 * proof.shardPath.path.count) + 32
            + (8 + 2 + 32 * proof.slotPath.path.count)
    }
}
