import CairnCrypto
import Testing

@testable import CairnStorage

/// The hasher picks its step by timing; whichever it picks, the IDs must be each shard's Merkle root.
@Suite struct ShardHasherTests {
    @Test(arguments: [64, 128, ShardCommitment.leafSize])
    func everyStepGivesEachShardItsMerkleRoot(step: Int) {
        // Lengths that end mid-leaf, mid-block, on a leaf boundary, and one empty shard.
        let lengths = [0, 1, 63, 1_000, 1_024, 5_000, 9_216]
        let shards = lengths.enumerated().map { index, length in
            (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
        }
        let hasher = ShardHasher(capacity: shards.count)
        let ids = withBuffers(shards) { hasher.hash($0, step: step) }
        #expect(ids == shards.map { ShardCommitment.id(of: $0) })
    }

    @Test func theMeasuredStepIsOneOfTheTwoItChoosesFrom() {
        #expect([64, ShardCommitment.leafSize].contains(ShardHasher.step))
    }

    private func withBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        let copies = arrays.map { bytes -> UnsafeMutableRawBufferPointer in
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
            bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
            return copy
        }
        defer { copies.forEach { $0.deallocate() } }
        return body(copies.map { UnsafeRawBufferPointer($0) })
    }
}
