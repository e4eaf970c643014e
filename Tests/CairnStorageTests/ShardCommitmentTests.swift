import CairnCrypto
import CairnStorage
import Testing

@Suite struct ShardCommitmentTests {
    /// RFC 9162's MTH computed the slow, obvious way over raw-byte leaves.
    func referenceID(_ bytes: [UInt8]) -> Key256 {
        let leaves = stride(from: 0, to: max(bytes.count, 1), by: ShardCommitment.leafSize).map {
            SHA256.hash([0] + Array(bytes[$0..<min(bytes.count, $0 + ShardCommitment.leafSize)]))
        }
        func root(_ hashes: ArraySlice<Key256>) -> Key256 {
            if hashes.count == 1 { return hashes.first! }
            var split = 1
            while split * 2 < hashes.count { split *= 2 }
            let mid = hashes.startIndex + split
            return SHA256.hash([1] + root(hashes[..<mid]).bytes + root(hashes[mid...]).bytes)
        }
        return root(leaves[...])
    }

    @Test(arguments: [0, 1, 64, 1023, 1024, 1025, 4096, 5 * 1024 + 64, (1 << 20) + 64])
    func theIDIsTheMerkleRootOverOneKiBLeaves(length: Int) {
        let bytes = pseudoRandomBytes(length, seed: UInt64(length))
        #expect(ShardCommitment.id(of: bytes) == referenceID(bytes))
    }

    @Test func theIDBindsEveryByteAndTheLength() {
        let bytes = pseudoRandomBytes(3000, seed: 9)
        let id = ShardCommitment.id(of: bytes)
        var flipped = bytes
        flipped[2999] ^= 1
        #expect(ShardCommitment.id(of: flipped) != id)
        #expect(ShardCommitment.id(of: Array(bytes.prefix(2048))) != id)
        #expect(ShardCommitment.id(of: bytes + [0]) != id)
    }

    @Test func aSegmentsShardsGetTheSameIDsAsOneByOne() throws {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 3, n: 5)
        let put = try putFile(pseudoRandomBytes(150_000, seed: 4), parameters: parameters)
        for (segment, entry) in put.segments.enumerated() {
            for index in 0..<5 { #expect(ShardCommitment.id(of: put.shards[segment][index]) == entry.shardIDs[index]) }
        }
    }

    @Test func everyLeafHasAProofUpToTheID() throws {
        let bytes = pseudoRandomBytes(5 * 1024 + 64, seed: 2)
        let id = ShardCommitment.id(of: bytes)
        for leaf in 0..<ShardCommitment.leafCount(shardLength: bytes.count) {
            let (leafBytes, path) = try #require(bytes.withUnsafeBytes { ShardCommitment.proof(leaf: leaf, of: $0) })
            #expect(leafBytes.count == (leaf == 5 ? 64 : 1024))
            #expect(path.verify(leafHash: leafBytes.withUnsafeBytes { MerkleTree.leafHash(bytes: $0) }, root: id))
        }
        #expect(bytes.withUnsafeBytes { ShardCommitment.proof(leaf: 6, of: $0) } == nil)
    }
}
