import CairnCrypto
import CairnStorage
import Testing

@Suite struct MerkleTreeTests {
    /// RFC 9162 §2.1.1's recursive definition, written independently of the level-by-level build.
    func referenceRoot(_ leaves: ArraySlice<Key256>) -> Key256 {
        if leaves.isEmpty { return SHA256.hash([UInt8]()) }
        if leaves.count == 1 { return SHA256.hash([0] + leaves.first!.bytes) }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        let mid = leaves.startIndex + split
        return SHA256.hash([1] + referenceRoot(leaves[..<mid]).bytes + referenceRoot(leaves[mid...]).bytes)
    }

    func leaves(_ count: Int) -> [Key256] { (0..<count).map { SHA256.hash([UInt8(truncatingIfNeeded: $0), 7]) } }

    @Test(arguments: 0...20)
    func rootMatchesTheRFCDefinition(count: Int) {
        let leaves = leaves(count)
        #expect(MerkleTree(leaves: leaves).root == referenceRoot(leaves[...]))
    }

    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
    func everyProofVerifiesAndAlteredOnesFail(count: Int) throws {
        let leaves = leaves(count)
        let tree = MerkleTree(leaves: leaves)
        for index in 0..<count {
            let proof = try #require(tree.proof(forLeafAt: index))
            #expect(proof.verify(leaf: leaves[index], root: tree.root))
            #expect(!proof.verify(leaf: Random.key256(), root: tree.root))
            #expect(!proof.verify(leaf: leaves[index], root: Random.key256()))
            if count > 1 {
                var wrongIndex = proof
                wrongIndex.leafIndex = (index + 1) % count
                #expect(!wrongIndex.verify(leaf: leaves[index], root: tree.root))
                var outOfRange = proof
                outOfRange.leafIndex = count
                #expect(!outOfRange.verify(leaf: leaves[index], root: tree.root))
            }
            if !proof.path.isEmpty {
                var alteredPath = proof
                alteredPath.path[0] = Random.key256()
                #expect(!alteredPath.verify(leaf: leaves[index], root: tree.root))
                var shortPath = proof
                shortPath.path.removeLast()
                #expect(!shortPath.verify(leaf: leaves[index], root: tree.root))
            }
        }
        #expect(tree.proof(forLeafAt: count) == nil)
        #expect(tree.proof(forLeafAt: -1) == nil)
    }

    @Test func leafAndNodeHashesAreDomainSeparated() {
        let a = Random.key256()
        let b = Random.key256()
        #expect(MerkleTree.leafHash(a) == SHA256.hash([0] + a.bytes))
        #expect(MerkleTree.nodeHash(a, b) == SHA256.hash([1] + a.bytes + b.bytes))
        // A tree of two leaves is not the leaf tree of their concatenation's halves, thanks to the prefixes.
        let two = MerkleTree(leaves: [a, b])
        #expect(two.root == MerkleTree.nodeHash(MerkleTree.leafHash(a), MerkleTree.leafHash(b)))
        #expect(MerkleTree(leaves: [a]).root == MerkleTree.leafHash(a))
    }
}
