import CairnSim
import Testing

@Suite struct SimRandomTests {
    /// SplitMix64's reference outputs for state 0 (Vigna's splitmix64.c).
    @Test func splitMixMatchesTheReference() {
        var state: UInt64 = 0
        #expect(SimRandom.splitMix(&state) == 0xE220_A839_7B1D_CDAF)
        #expect(SimRandom.splitMix(&state) == 0x6E78_9E6A_A1B9_65F4)
        #expect(SimRandom.splitMix(&state) == 0x06C4_5D18_8009_454F)
    }

    @Test func sameSeedSameStream() {
        var a = SimRandom(seed: 42)
        var b = SimRandom(seed: 42)
        var c = SimRandom(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func boundedValuesStayInRange() {
        var random = SimRandom(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<10_000 {
            let value = random.nextInt(below: 7)
            #expect((0..<7).contains(value))
            seen.insert(value)
            let unit = random.nextUnit()
            #expect(unit >= 0 && unit < 1)
        }
        #expect(seen.count == 7)
        #expect(random.nextBytes(13).count == 13)
    }
}
