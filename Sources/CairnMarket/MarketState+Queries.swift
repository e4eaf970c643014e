import CairnChain
import CairnCrypto
import CairnStorage

extension MarketState {
    /// Agreements opened by `owner`, by ID.
    public func agreements(ofOwner owner: PublicKey) -> [StorageAgreement] {
        agreements.values.filter { $0.owner == owner }.sorted { $0.id < $1.id }
    }

    /// Agreements held by `provider`, by ID.
    public func agreements(ofProvider provider: PublicKey) -> [StorageAgreement] {
        agreements.values.filter { $0.provider == provider }.sorted { $0.id < $1.id }
    }

    /// Whether `provider` holds an open agreement (active or marked for repair) for any slot of `fileID`.
    public func hasOpenAgreement(provider: PublicKey, fileID: Key256) -> Bool {
        (openByFile[fileID] ?? []).contains { agreements[$0]?.provider == provider }
    }

    /// Agreements for `fileID`, by slot then ID.
    public func agreements(ofFile fileID: Key256) -> [StorageAgreement] {
        agreements.values.filter { $0.fileID == fileID }.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
    }

    /// The open agreements (active or marked for repair) for `fileID`, by slot then ID.
    public func openAgreements(ofFile fileID: Key256) -> [StorageAgreement] {
        (openByFile[fileID] ?? []).compactMap { agreements[$0] }.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
    }

    /// What `provider` must prove this epoch: its open agreements challenged in it under the audit samples of
    /// `parameters` (`isChallenged`) and not yet proved, with their challenges, by agreement ID.
    public func challenges(
        for provider: PublicKey, parameters: MarketParameters
    ) -> [(agreementID: Key256, challenge: StorageChallenge)] {
        (openByProvider[provider] ?? []).sorted().compactMap { id in
            guard let agreement = agreements[id], !provedThisEpoch.contains(id), isChallenged(agreement, parameters: parameters)
            else { return nil }
            return (id, agreement.challenge(epochSeed: epochSeed))
        }
    }

    /// Open agreements that any keeper may repair now: marked for repair, or whose provider is withdrawing or
    /// gone. By ID.
    public var repairable: [StorageAgreement] {
        views.memoised(MarketViews.Key("repairable")) { repairableIDs.sorted().compactMap { agreements[$0] } }
    }

    /// Base units the market's escrow must hold: every provider's stake and every open agreement's escrow.
    /// Equal to `LedgerState.escrow[MarketExtension.kind]` in every state the rules produce.
    public var heldInEscrow: Amount? {
        var total: UInt64 = 0
        for provider in providers.values {
            let (sum, overflow) = total.addingReportingOverflow(provider.stake.baseUnits)
            guard !overflow else { return nil }
            total = sum
        }
        for id in openIDs {
            let (sum, overflow) = total.addingReportingOverflow(agreements[id]?.escrow.baseUnits ?? 0)
            guard !overflow else { return nil }
            total = sum
        }
        return Amount(total)
    }
}
