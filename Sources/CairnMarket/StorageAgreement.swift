import CairnChain
import CairnCrypto
import CairnStorage

/// One (file, slot) stored by one provider for a run of epochs, paid from escrow the owner locked (DESIGN.md
/// §9). It carries what a proof is checked against — the slot root, the segment count and the shard lengths —
/// so that the chain verifies proofs without the file's descriptor.
public struct StorageAgreement: Hashable, Sendable {
    public enum State: UInt8, Hashable, Sendable {
        /// Paid every epoch from `startEpoch`: challenged in the epochs its provider's audit sample picks it
        /// (`MarketParameters.proofSamplePerProvider`), and paid for those only when proved.
        case active = 0
        /// Missed `missesBeforeRepair` epochs in a row: any keeper may move the slot to another provider. Still
        /// challenged, paid and penalized until then.
        case repairNeeded = 1
        /// Ended by its owner (escrow refunded) or replaced by a repair (escrow moved to the new agreement).
        case ended = 2
        /// Ran to `endEpoch`; the escrow left went back to the owner.
        case expired = 3
    }

    /// SHA-256("cairn-agreement" ‖ hash of the opening transaction ‖ u16 slot).
    public var id: Key256
    public var owner: PublicKey
    public var provider: PublicKey
    public var fileID: Key256
    public var slot: UInt16
    /// The Merkle root over the slot's shard IDs (`Descriptor.slotRoot`).
    public var slotRoot: Key256
    public var segmentCount: UInt32
    /// Bytes of the slot's shard in every segment but the last.
    public var shardLength: UInt32
    /// Bytes of the slot's shard in the last segment.
    public var lastShardLength: UInt32
    /// First epoch challenged and paid (the epoch after the one it opened in).
    public var startEpoch: UInt64
    /// First epoch no longer covered: it runs epochs `startEpoch ..< endEpoch`.
    public var endEpoch: UInt64
    /// Base units paid to the provider (proposer fee included) for each proved or unchallenged epoch.
    public var pricePerEpoch: Amount
    /// The owner's highest price per GiB per epoch, which a repair must respect.
    public var maxPricePerGiBEpoch: Amount
    /// Base units left in escrow for it: what is still to be paid, plus penalties taken from the provider.
    public var escrow: Amount
    public var proofsOK: UInt64
    public var proofsMissed: UInt64
    public var consecutiveMisses: UInt64
    /// Base units released for proved and unchallenged epochs (proposer fees included).
    public var paidTotal: Amount
    /// Base units of the provider's stake moved into this escrow by penalties.
    public var penaltiesTotal: Amount
    public var state: State

    /// Bytes the provider stores: every segment's shard of this slot.
    public var sizeBytes: UInt64 {
        guard segmentCount > 0 else { return 0 }
        return UInt64(segmentCount - 1) * UInt64(shardLength) + UInt64(lastShardLength)
    }

    /// Bytes of the slot's shard in segment `index`.
    public func shardLength(ofSegment index: Int) -> Int {
        index == Int(segmentCount) - 1 ? Int(lastShardLength) : Int(shardLength)
    }

    /// Whether it is still to be proved and paid (active or marked for repair).
    public var isOpen: Bool { state == .active || state == .repairNeeded }

    /// The challenge for this agreement in the epoch whose seed is `epochSeed`: `StorageChallenge.derive` with
    /// the seed SHA-256(epoch seed ‖ agreement ID), computed from the agreement's own sizes (a test checks it
    /// equals the descriptor's).
    public func challenge(epochSeed: Key256) -> StorageChallenge {
        let seed = SHA256.hash(epochSeed.bytes + id.bytes)
        let segment = Int(seed.w0 % UInt64(max(1, segmentCount)))
        let leaves = ShardCommitment.leafCount(shardLength: shardLength(ofSegment: segment))
        return StorageChallenge(slot: Int(slot), segment: segment, leaf: Int(seed.w1 % UInt64(leaves)))
    }

    /// The agreement ID for `slot` of the file opened by transaction `transactionHash`.
    public static func id(transactionHash: Key256, slot: UInt16) -> Key256 {
        SHA256.hash(Array("cairn-agreement".utf8) + transactionHash.bytes + [UInt8(slot >> 8), UInt8(slot & 0xff)])
    }
}
