import CairnCrypto
import Testing

@testable import CairnChain

@Suite struct ChainBasicsTests {
    @Test func chainIDsOfDifferentGenesesDiffer() {
        let a = ChainID(SHA256.hash(Array("genesis a".utf8)))
        let b = ChainID(SHA256.hash(Array("genesis b".utf8)))
        #expect(a != b)
        #expect(a.description.count == 64)
    }
}
