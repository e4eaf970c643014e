import CairnChain
import CairnCrypto

/// A provider's standing as it would read it before any penalty (DESIGN.md §9): its record, score, and
/// warnings in words.
public struct ProviderStatus: Hashable, Sendable {
    public var provider: MarketProvider
    /// Per-mille of its settled epochs proved (`MarketProvider.score`).
    public var score: UInt64
    /// Challenges still to answer this epoch.
    public var challengesDue: Int
    public var warnings: [String]
}

extension MarketState {
    /// The standing of `key`, nil when it is not a provider.
    public func status(ofProvider key: PublicKey, parameters: MarketParameters) -> ProviderStatus? {
        guard let provider = providers[key] else { return nil }
        let held = openAgreements(ofProvider: key)
        var warnings: [String] = []
        if provider.stake < parameters.minProviderStake {
            warnings.append(
                "stake \(provider.stake) is below the minimum \(parameters.minProviderStake): no new agreement until "
                    + "it is topped up")
        }
        if !provider.isOnline(in: epoch, livenessEpochs: parameters.livenessEpochs) {
            warnings.append(
                "offline: none of its transactions has committed since epoch \(provider.lastActiveEpoch) (this is "
                    + "epoch \(epoch)); peers place no new slot on it and leave it out of repairs until it checks "
                    + "in, which a running peer does by itself")
        }
        if provider.status == .withdrawing {
            warnings.append("withdrawing: \(provider.openAgreements) agreements still open")
        }
        if provider.proofsInvalid > 0 {
            warnings.append("\(provider.proofsInvalid) posted proofs did not verify")
        }
        for agreement in held where agreement.state == .repairNeeded {
            warnings.append(
                "agreement \(agreement.id.shortHex)… is marked for repair after "
                    + "\(agreement.consecutiveMisses) missed epochs")
        }
        let rules = MarketStep(parameters: parameters, height: 0, market: self)
        for agreement in held where agreement.state == .active && agreement.consecutiveMisses > 0 {
            let left = parameters.missesBeforeRepair - min(parameters.missesBeforeRepair, agreement.consecutiveMisses)
            warnings.append(
                "agreement \(agreement.id.shortHex)… missed \(agreement.consecutiveMisses) epochs in a row "
                    + "(\(agreement.penaltiesTotal) base units of stake lost); the next miss costs "
                    + "\(rules.penalty(afterMisses: agreement.consecutiveMisses + 1)); "
                    + "\(left) more and it is marked for repair")
        }
        let dueAgreements = challenges(for: key, parameters: parameters).compactMap {
            agreements[$0.agreementID]
        }
        let due = dueAgreements.count
        if due > 0 {
            // Said before any penalty: what a miss of this epoch would cost, at most.
            let clock = MarketClock(parameters)
            let worst = dueAgreements.map { rules.penalty(afterMisses: $0.consecutiveMisses + 1) }.max() ?? .zero
            warnings.append(
                "\(due) challenges to answer by height \(clock.proofDeadline(of: epoch)); a missed one costs up to "
                    + "\(worst) base units of stake")
        }
        return ProviderStatus(provider: provider, score: provider.score, challengesDue: due, warnings: warnings)
    }
}
