import CairnChain
import CairnCrypto

extension MarketState {
    /// Whether `agreement` is challenged in this epoch under an audit sample of `sample` agreements per provider
    /// (`MarketParameters.proofSamplePerProvider`, whose comment states the rule). The ledger, settlement and
    /// the provider's agent all ask this, so that they agree on every peer. False before its `startEpoch`.
    public func isChallenged(_ agreement: StorageAgreement, sample: UInt32) -> Bool {
        guard agreement.startEpoch <= epoch else { return false }
        let n = challengeable[agreement.provider] ?? 0
        guard n > UInt64(sample) else { return true }
        return Self.samplingDraw(epochSeed: epochSeed, agreementID: agreement.id)
            < Self.samplingThreshold(sample: sample, challengeable: n)
    }

    /// The first 8 bytes of SHA-256(epoch seed ‖ agreement ID ‖ "sample"), big-endian.
    public static func samplingDraw(epochSeed: Key256, agreementID: Key256) -> UInt64 {
        SHA256.hash(epochSeed.bytes + agreementID.bytes + Array("sample".utf8)).w0
    }

    /// ⌊2⁶⁴ × `sample` / `n`⌋ for `n` > `sample` (a 128-by-64-bit division, so exact); `UInt64.max` otherwise.
    public static func samplingThreshold(sample: UInt32, challengeable n: UInt64) -> UInt64 {
        guard n > UInt64(sample) else { return .max }
        return n.dividingFullWidth((high: UInt64(sample), low: 0)).quotient
    }
}
