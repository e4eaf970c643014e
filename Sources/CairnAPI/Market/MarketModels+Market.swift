import CairnChain
import CairnCrypto
import CairnMarket
import CairnPeer

// The market's values as the API's JSON: pure conversions, tested without a peer.

extension StorageAgreement.State {
    /// The word the API and the CLI use.
    var word: String {
        switch self {
        case .active: "active"
        case .repairNeeded: "repair_needed"
        case .ended: "ended"
        case .expired: "expired"
        }
    }
}

extension AgreementResponse {
    init(_ agreement: StorageAgreement) {
        id = agreement.id.hex
        owner = agreement.owner.address
        provider = agreement.provider.address
        file = agreement.fileID.hex
        slot = agreement.slot
        proofsOK = agreement.proofsOK
        proofsMissed = agreement.proofsMissed
        paid = agreement.paidTotal.baseUnits
        escrow = agreement.escrow.baseUnits
        state = agreement.state.word
    }
}

extension AgreementsResponse {
    /// `account`'s agreements in `state`, as owner or provider, by ID; with `file`, every agreement of that file
    /// whoever its parties (by slot): the chain is public, and a keeper or the owner's other peer checks a file's
    /// slots, its repairs included, while the owner is away.
    init(_ state: MarketState, account: PublicKey, file: Key256?) {
        let mine: [StorageAgreement]
        if let file {
            mine = state.agreements(ofFile: file)
        } else {
            mine = state.agreements.values.filter { $0.owner == account || $0.provider == account }
                .sorted { $0.id < $1.id }
        }
        agreements = mine.map(AgreementResponse.init)
    }
}

extension ProviderStatusResponse {
    init(_ snapshot: MarketSnapshot) {
        let format = { (amount: Amount) in "\(amount.formatted(decimals: snapshot.decimals)) \(snapshot.tokenSymbol)" }
        let status = snapshot.providerStatus
        let provider = status?.provider
        let held = snapshot.state.agreements(ofProvider: snapshot.local)
        registered = provider != nil
        switch provider?.status {
        case .active?: self.status = "active"
        case .withdrawing?: self.status = "withdrawing"
        case nil: self.status = "unregistered"
        }
        address = snapshot.local.address
        stake = provider?.stake.baseUnits ?? 0
        stakeFormatted = format(Amount(stake))
        minStake = snapshot.parameters.minProviderStake.baseUnits
        minStakeFormatted = format(snapshot.parameters.minProviderStake)
        score = status.map { Double($0.score) / 1000 } ?? 0
        agreements = provider?.openAgreements ?? 0
        proofsOK = provider?.proofsOK ?? 0
        proofsMissed = provider?.proofsMissed ?? 0
        proofsInvalid = provider?.proofsInvalid ?? 0
        challengesDue = status?.challengesDue ?? 0
        online = provider?.isOnline(in: snapshot.state.epoch, livenessEpochs: snapshot.parameters.livenessEpochs)
            ?? false
        lastActiveEpoch = provider?.lastActiveEpoch ?? 0
        warnings = snapshot.localWarnings + (status?.warnings ?? [])
        capacity = provider?.capacityBytes ?? 0
        used = provider?.usedBytes ?? 0
        price = provider?.pricePerGiBEpoch.baseUnits ?? 0
        priceFormatted = format(Amount(price))
        earnings = held.reduce(UInt64(0)) { $0 &+ $1.paidTotal.baseUnits }
        earningsFormatted = format(Amount(earnings))
        penalties = held.reduce(UInt64(0)) { $0 &+ $1.penaltiesTotal.baseUnits }
        penaltiesFormatted = format(Amount(penalties))
        balance = snapshot.balance.baseUnits
        balanceFormatted = format(snapshot.balance)
        height = snapshot.height
        epoch = snapshot.state.epoch
        self.held = held.map(AgreementResponse.init)
    }
}
