import CairnChain
import CairnCrypto
import CairnMarket
import Testing

@Suite struct RepairerTests {
    @Test func everyKeeperComputesTheSameOrder() throws {
        let (_, state, agreements) = try ProofVerificationTests.setUp()
        _ = state
        let agreement = try #require(agreements.first)
        let keys = (0..<20).map { Identity(seed: [UInt8](repeating: UInt8($0 + 100), count: 32))!.publicKey }
        let order = MarketState.repairer(for: agreement, candidates: keys)
        #expect(Set(order) == Set(keys))
        let distances = order.map { $0.peerID.distance(to: agreement.fileID) }
        #expect(distances == distances.sorted())
        var generator = SplitMix(seed: 1)
        for _ in 0..<20 {
            let shuffled = (keys + keys.prefix(3)).shuffled(using: &generator)
            #expect(MarketState.repairer(for: agreement, candidates: shuffled) == order)
        }
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
