import CairnCrypto
import CairnWire

/// Which bytes a holder of a slot must show: leaf `leaf` of the shard of segment `segment` (DESIGN.md §5, §9).
public struct StorageChallenge: Hashable, Sendable {
    public var slot: Int
    public var segment: Int
    public var leaf: Int

    public init(slot: Int, segment: Int, leaf: Int) {
        self.slot = slot
        self.segment = segment
        self.leaf = leaf
    }

    /// A challenge drawn from `seed` (the chain's randomness, or a checker's random bytes) for `slot` of
    /// `descriptor`: a segment, then a leaf of that segment's shard, each uniform up to a bias below 2⁻³². Nil
    /// for an empty file, which has nothing to prove.
    public static func derive(seed: Key256, slot: Int, of descriptor: Descriptor) -> StorageChallenge? {
        guard descriptor.segmentCount > 0 else { return nil }
        let segment = Int(seed.w0 % UInt64(descriptor.segmentCount))
        let leaves = ShardCommitment.leafCount(shardLength: descriptor.shardLength(ofSegment: segment))
        return StorageChallenge(slot: slot, segment: segment, leaf: Int(seed.w1 % UInt64(leaves)))
    }
}

/// A holder's answer to a `StorageChallenge`: the leaf's bytes, the path from the leaf to its shard's ID, and
/// the path from the shard ID to the slot root that the descriptor (and an agreement) commits to.
///
/// Only the shard's bytes yield it: the shard ID is a Merkle root over the bytes (`ShardCommitment`), so a
/// holder that kept only IDs, or a truncated shard, has no leaf to show for most challenges.
public struct StorageProof: Hashable, Sendable {
    public var segment: Int
    public var leaf: Int
    public var leafBytes: [UInt8]
    public var shardPath: MerkleProof
    public var shardID: ShardID
    public var slotPath: MerkleProof

    public init(segment: Int, leaf: Int, leafBytes: [UInt8], shardPath: MerkleProof, shardID: ShardID,
                slotPath: MerkleProof) {
        self.segment = segment
        self.leaf = leaf
        self.leafBytes = leafBytes
        self.shardPath = shardPath
        self.shardID = shardID
        self.slotPath = slotPath
    }

    /// The proof for `challenge` from the shard's bytes and the slot's shard IDs (segment order). Nil when the
    /// challenge is out of range or the bytes are not the shard the slot lists.
    public static func make(
        for challenge: StorageChallenge, shard bytes: UnsafeRawBufferPointer, slotShardIDs: [ShardID]
    ) -> StorageProof? {
        guard challenge.segment >= 0, challenge.segment < slotShardIDs.count,
              let (leafBytes, shardPath) = ShardCommitment.proof(leaf: challenge.leaf, of: bytes),
              let slotPath = MerkleTree(leaves: slotShardIDs).proof(forLeafAt: challenge.segment)
        else { return nil }
        return StorageProof(segment: challenge.segment, leaf: challenge.leaf, leafBytes: leafBytes,
                            shardPath: shardPath, shardID: slotShardIDs[challenge.segment], slotPath: slotPath)
    }

    /// Checks the proof against `challenge` and the slot's root, for a slot of `segmentCount` segments whose
    /// challenged shard is `shardLength` bytes long (both from the descriptor or the agreement). Throws
    /// `invalidProof` saying what does not hold.
    public func verify(
        _ challenge: StorageChallenge, slotRoot: Key256, segmentCount: Int, shardLength: Int
    ) throws(StorageError) {
        func fail(_ reason: String) -> StorageError { .invalidProof(reason) }
        guard segment == challenge.segment, leaf == challenge.leaf else {
            throw fail("it answers segment \(segment) leaf \(leaf), not segment \(challenge.segment) leaf \(challenge.leaf)")
        }
        let leaves = ShardCommitment.leafCount(shardLength: shardLength)
        guard shardPath.leafIndex == leaf, shardPath.leafCount == leaves else {
            throw fail("its shard path is for leaf \(shardPath.leafIndex) of \(shardPath.leafCount), not \(leaf) of \(leaves)")
        }
        guard slotPath.leafIndex == segment, slotPath.leafCount == segmentCount else {
            throw fail("its slot path is for shard \(slotPath.leafIndex) of \(slotPath.leafCount), not \(segment) of \(segmentCount)")
        }
        let expectedBytes = ShardCommitment.leafRange(leaf, shardLength: shardLength).count
        guard leafBytes.count == expectedBytes else {
            throw fail("the leaf has \(leafBytes.count) bytes instead of \(expectedBytes)")
        }
        let leafHash = leafBytes.withUnsafeBytes { MerkleTree.leafHash(bytes: $0) }
        guard shardPath.verify(leafHash: leafHash, root: shardID) else {
            throw fail("the leaf does not hash up to shard \(shardID.hex)")
        }
        guard slotPath.verify(leaf: shardID, root: slotRoot) else {
            throw fail("shard \(shardID.hex) is not segment \(segment) of the slot")
        }
    }
}
