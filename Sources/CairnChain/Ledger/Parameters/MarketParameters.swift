/// The storage market's rules (DESIGN.md §9, issue 9): the `"market"` part of the `"chain"` section of
/// `bootstrap/genesis.json`, so that the chain ID (the hash of the genesis) covers them. Kept here as plain data
/// because `ChainParameters` is the one value that fixes a ledger's rules and `CairnChain` cannot import
/// `CairnMarket`, which reads them. JSON keys are snake_case; amounts are integers in base units.
///
/// Time: epoch `e` (from 0) covers the heights `e·L + 1 … (e+1)·L`, L = `epochBlocks`. Its challenges derive
/// from the hash of block `e·L` (the last before it), so they are known when the epoch opens and not before.
/// Proofs for epoch `e` are accepted in its first `proofWindowBlocks` blocks; the epoch's last block settles it.
public struct MarketParameters: Hashable, Sendable, Codable {
    /// Blocks per epoch (L). Local network: 10 (5 s at 500 ms a block).
    public var epochBlocks: UInt64
    /// Blocks at the start of each epoch in which proofs are accepted, 1…`epochBlocks`. A proof in a later
    /// block of the epoch is late and refused. Local network: 8 (two blocks of margin before settlement).
    public var proofWindowBlocks: UInt64
    /// Bytes each provider accepts without an agreement (test networks; issue 9 item 2): shards stored outside
    /// the market, for which nobody pays or proves. Agreements are always priced. 0 on a paid network.
    public var freeAllowanceBytes: UInt64
    /// Stake a provider locks to register, base units; below it a provider takes no new agreement.
    public var minProviderStake: Amount
    /// Per-mille of each epoch's payment that goes to the proposer of the settling block (the rest to the
    /// provider), 0…1000.
    public var proposerFeePerMille: UInt64
    /// Per-mille of a replacement agreement's escrow paid to the keeper who repairs the slot, 0…1000.
    public var repairFeePerMille: UInt64
    /// Consecutive missed epochs after which an agreement is marked for repair; at least 1. Local: 2.
    public var missesBeforeRepair: UInt64
    /// The graduated penalty for a miss, taken from the provider's stake into the agreement's escrow (the
    /// owner's side): `min(penaltyCap, penaltyBase × 2^(consecutive misses − 1))`, and never more than the
    /// stake left. So 1, 2, 4, 8, … times the base, a first miss costing little and a dead provider much.
    public var penaltyBase: Amount
    /// The largest penalty for one miss.
    public var penaltyCap: Amount
    /// Most (agreement, proof) entries in one proofs transaction, 1…`MarketParameters.maxProofsLimit`.
    public var maxProofsPerTx: UInt32
    /// The audit sample (S), at least 1: how many of a provider's agreements are challenged each epoch, in
    /// expectation. Storage is paid by time; the challenges are an audit (as Storj audits), so that a provider's
    /// proofs for an epoch fit in a few transactions however many agreements it holds. In epoch `e`, with `n`
    /// the provider's open agreements challengeable in `e` (`startEpoch` ≤ `e`, counted when `e` opens), every
    /// agreement is challenged when `n` ≤ S; otherwise agreement `a` is challenged iff the first 8 bytes of
    /// SHA-256(epoch seed ‖ a.id ‖ "sample"), read as a big-endian UInt64, are below ⌊2⁶⁴ × S / n⌋ (integer
    /// arithmetic). An unchallenged agreement is paid its epoch as if proved and its record of proofs and misses
    /// is left as it is. Local network: 128.
    public var proofSamplePerProvider: UInt32
    /// The network-wide audit sample (C), at least 1: about how many agreements are challenged each epoch in all.
    /// The chain carries every proof, so its blocks bound them, not the providers: one proof per agreement
    /// per epoch is N × ~1.5 KiB, and 16,000 agreements already overflow the local network's proof window
    /// (8 blocks of 1 MiB); those past the capacity were missed, and their slots marked for repair. With `N`
    /// agreements challengeable in the epoch (every provider's `n` summed), an agreement is challenged iff its
    /// draw (above) is below min(⌊2⁶⁴ × S / n⌋, ⌊2⁶⁴ × C / N⌋), each term `UInt64.max` when its sample covers
    /// its count. Providers that are not challenged stay accountable through liveness (`livenessEpochs`).
    /// Local network: 2,048 (about 3 MiB of proofs an epoch).
    public var maxChallengesPerEpoch: UInt64
    /// Epochs an agreement runs when its opener does not say, at least 1.
    public var defaultDurationEpochs: UInt64
    /// Epochs a registered provider stays online without a transaction of its own committing (register, update,
    /// proofs or a check-in, `MarketProvider.lastActiveEpoch`), at least 1: after that it is offline, and peers
    /// leave it out of new agreements and of repairs (as the repairer and as the new home of a slot). A provider
    /// that leaves the network stays registered with its stake; without this, one that never held an agreement
    /// would never miss a proof, and would head repair orders and be chosen for slots long after it left (Storj
    /// leaves out nodes that stop checking in the same way). Local network: 3.
    public var livenessEpochs: UInt64

    /// The codec's hard bound on `maxProofsPerTx`.
    public static let maxProofsLimit: UInt32 = 4_096

    public init(
        epochBlocks: UInt64, proofWindowBlocks: UInt64, freeAllowanceBytes: UInt64, minProviderStake: Amount,
        proposerFeePerMille: UInt64, repairFeePerMille: UInt64, missesBeforeRepair: UInt64, penaltyBase: Amount,
        penaltyCap: Amount, maxProofsPerTx: UInt32, proofSamplePerProvider: UInt32, defaultDurationEpochs: UInt64,
        livenessEpochs: UInt64 = 3, maxChallengesPerEpoch: UInt64 = 2_048
    ) {
        self.epochBlocks = epochBlocks
        self.proofWindowBlocks = proofWindowBlocks
        self.freeAllowanceBytes = freeAllowanceBytes
        self.minProviderStake = minProviderStake
        self.proposerFeePerMille = proposerFeePerMille
        self.repairFeePerMille = repairFeePerMille
        self.missesBeforeRepair = missesBeforeRepair
        self.penaltyBase = penaltyBase
        self.penaltyCap = penaltyCap
        self.maxProofsPerTx = maxProofsPerTx
        self.proofSamplePerProvider = proofSamplePerProvider
        self.defaultDurationEpochs = defaultDurationEpochs
        self.livenessEpochs = livenessEpochs
        self.maxChallengesPerEpoch = maxChallengesPerEpoch
    }

    /// The local test network's market (6 decimals: 1 CRN = 10⁶ base units): 10-block epochs with an 8-block
    /// proof window, 64 MiB free per provider, 100 CRN of stake, 1 % to the proposer, 5 % to the repairer,
    /// repair after 2 misses, penalties of 1, 2, 4, … CRN up to 16 CRN, 4,096 proofs per transaction at most,
    /// 128 agreements per provider audited each epoch, agreements of 100 epochs by default, providers offline after
    /// 3 epochs without a transaction.
    public static let localNetwork = MarketParameters(
        epochBlocks: 10, proofWindowBlocks: 8, freeAllowanceBytes: 64 << 20, minProviderStake: Amount(100_000_000),
        proposerFeePerMille: 10, repairFeePerMille: 50, missesBeforeRepair: 2, penaltyBase: Amount(1_000_000),
        penaltyCap: Amount(16_000_000), maxProofsPerTx: 4_096, proofSamplePerProvider: 128,
        defaultDurationEpochs: 100, livenessEpochs: 3, maxChallengesPerEpoch: 2_048)

    enum CodingKeys: String, CodingKey {
        case epochBlocks = "epoch_blocks"
        case proofWindowBlocks = "proof_window_blocks"
        case freeAllowanceBytes = "free_allowance_bytes"
        case minProviderStake = "min_provider_stake"
        case proposerFeePerMille = "proposer_fee_per_mille"
        case repairFeePerMille = "repair_fee_per_mille"
        case missesBeforeRepair = "misses_before_repair"
        case penaltyBase = "penalty_base"
        case penaltyCap = "penalty_cap"
        case maxProofsPerTx = "max_proofs_per_tx"
        case proofSamplePerProvider = "proof_sample_per_provider"
        case defaultDurationEpochs = "default_duration_epochs"
        case livenessEpochs = "liveness_epochs"
        case maxChallengesPerEpoch = "max_challenges_per_epoch"
    }
}
