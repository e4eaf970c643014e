import CairnChain
import CairnCrypto

extension MarketState {
    /// Whether `agreement` is challenged in this epoch under the audit samples of `parameters`
    /// (`MarketParameters.proofSamplePerProvider` and `maxChallengesPerEpoch`, whose comments state the rule). The
    /// ledger, settlement and the provider's agent all ask this, so that they agree on every peer. False before
    /// its `startEpoch`.
    public func isChallenged(_ agreement: StorageAgreement, parameters: MarketParameters) -> Bool {
        isChallenged(
            agreement, sample: parameters.proofSamplePerProvider, networkSample: parameters.maxChallengesPerEpoch)
    }

    /// The same with the samples given: `sample` per provider, `networkSample` in all.
    public func isChallenged(_ agreement: StorageAgreement, sample: UInt32, networkSample: UInt64) -> Bool {
        guard agreement.startEpoch <= epoch else { return false }
        let threshold = min(
            Self.samplingThreshold(sample: UInt64(sample), challengeable: challengeable[agreement.provider] ?? 0),
            Self.samplingThreshold(sample: networkSample, challengeable: challengeableTotal))
        guard threshold < .max else { return true }
        return Self.samplingDraw(epochSeed: epochSeed, agreementID: agreement.id) < threshold
    }

    /// The first 8 bytes of SHA-256(epoch seed ‖ agreement ID ‖ "sample"), big-endian.
    public static func samplingDraw(epochSeed: Key256, agreementID: Key256) -> UInt64 {
        SHA256.hash(epochSeed.bytes + agreementID.bytes + Array("sample".utf8)).w0
    }

    /// ⌊2⁶⁴ × `sample` / `n`⌋ for `n` > `sample` (a 128-by-64-bit division, so exact); `UInt64.max` otherwise.
    public static func samplingThreshold(sample: UInt64, challengeable n: UInt64) -> UInt64 {
        guard n > sample else { return .max }
        return n.dividingFullWidth((high: sample, low: 0)).quotient
    }
}
