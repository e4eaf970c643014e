import CairnCrypto
import CairnStorage
import Testing

/// Challenge → proof → verify (issue 7, item 4): the holder of a slot's bytes answers; a holder that kept only
/// hashes, or a truncated shard, or another slot's shard, cannot.
@Suite struct StorageProofTests {
    struct Slot {
        var descriptor: Descriptor
        var shards: [[UInt8]]
        var slot: Int
    }

    static func slot() throws -> Slot {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        let put = try putFile(pseudoRandomBytes(200_000, seed: 3), parameters: parameters)
        let ids = put.segments.map(\.shardIDs)
        let descriptor = try Descriptor(
            fileSize: 200_000, parameters: parameters, fileNonce: put.descriptor.fileNonce, shardIDs: ids,
            created: .zero, metadata: FileMetadata(name: "x"), fileKey: FileKey.random(), owner: Identity.generate())
        return Slot(descriptor: descriptor, shards: put.shards.map { $0[1] }, slot: 1)
    }

    func verify(_ proof: StorageProof, _ challenge: StorageChallenge, _ slot: Slot) throws {
        try proof.verify(challenge, slotRoot: slot.descriptor.slotRoot(slot.slot),
                         segmentCount: slot.descriptor.segmentCount,
                         shardLength: slot.descriptor.shardLength(ofSegment: challenge.segment))
    }

    @Test func theHolderOfTheBytesAnswersEveryChallenge() throws {
        let slot = try Self.slot()
        for seed in 0..<64 {
            let challenge = try #require(StorageChallenge.derive(seed: SHA256.hash([UInt8(seed)]), slot: 1,
                                                                 of: slot.descriptor))
            let proof = try #require(slot.shards[challenge.segment].withUnsafeBytes {
                StorageProof.make(for: challenge, shard: $0, slotShardIDs: slot.descriptor.shardIDs(ofSlot: 1))
            })
            try verify(proof, challenge, slot)
        }
    }

    @Test func aHolderThatKeptOnlyHashesOrATruncatedShardCannotAnswer() throws {
        let slot = try Self.slot()
        let challenge = StorageChallenge(slot: 1, segment: 1, leaf: 20)
        let ids = slot.descriptor.shardIDs(ofSlot: 1)
        // Only the IDs: the best it can do is make up a leaf.
        let honest = try #require(slot.shards[1].withUnsafeBytes {
            StorageProof.make(for: challenge, shard: $0, slotShardIDs: ids)
        })
        var madeUp = honest
        madeUp.leafBytes = [UInt8](repeating: 0, count: honest.leafBytes.count)
        #expect(throws: StorageError.self) { try verify(madeUp, challenge, slot) }
        // A truncated shard has no leaf 20, and a proof from its shorter tree does not reach the ID.
        let truncated = Array(slot.shards[1].prefix(10 * 1024))
        #expect(truncated.withUnsafeBytes { StorageProof.make(for: challenge, shard: $0, slotShardIDs: ids) } == nil)
        let early = StorageChallenge(slot: 1, segment: 1, leaf: 3)
        let fromTruncated = try #require(truncated.withUnsafeBytes {
            StorageProof.make(for: early, shard: $0, slotShardIDs: ids)
        })
        #expect(throws: StorageError.self) { try verify(fromTruncated, early, slot) }
        // Another slot's shard of the same segment.
        let other = try #require(try Self.otherSlotShard(slot).withUnsafeBytes {
            StorageProof.make(for: challenge, shard: $0, slotShardIDs: ids)
        })
        #expect(throws: StorageError.self) { try verify(other, challenge, slot) }
        // An answer to another challenge.
        #expect(throws: StorageError.self) { try verify(honest, StorageChallenge(slot: 1, segment: 1, leaf: 21), slot) }
    }

    static func otherSlotShard(_ slot: Slot) throws -> [UInt8] {
        var bytes = slot.shards[1]
        bytes[20 * 1024] ^= 0x5a
        return bytes
    }

    @Test func anEmptyFileHasNothingToProve() throws {
        let descriptor = try Descriptor(
            fileSize: 0, parameters: .default, fileNonce: Random.key256(), shardIDs: [], created: .zero,
            metadata: FileMetadata(name: "empty"), fileKey: FileKey.random(), owner: Identity.generate())
        #expect(StorageChallenge.derive(seed: Random.key256(), slot: 0, of: descriptor) == nil)
    }
}
