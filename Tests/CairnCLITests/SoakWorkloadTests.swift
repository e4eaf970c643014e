import Testing

@testable import cairn

@Suite struct SoakWorkloadTests {
    /// A fixed sequence, so that the figures below do not depend on chance.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func sizesSpanOneByteToTheMaximumWithSmallAndWholeSegmentFilesCommon() {
        let workload = SoakWorkload(maxBytes: 20 << 20)
        var random = SplitMix(state: 1)
        let sizes = (0..<10_000).map { _ in workload.nextSize(using: &random) }
        #expect(sizes.allSatisfy { (1...(20 << 20)).contains($0) })
        let tiny = sizes.filter { $0 < 4096 }.count
        let multiSegment = sizes.filter { $0 > 8 << 20 }.count
        // About half the log-uniform half under 4 KiB (≈ 2,470); 60 % of the uniform half and 5 % of the
        // log-uniform half over 8 MiB (≈ 3,270).
        #expect((2000...3000).contains(tiny))
        #expect((2700...3500).contains(multiSegment))
    }

    @Test func oneByteMaximumGivesOneByteFiles() {
        var random = SplitMix(state: 2)
        #expect((0..<100).allSatisfy { _ in SoakWorkload(maxBytes: 1).nextSize(using: &random) == 1 })
    }

    @Test func aClientPutsWhenEmptyDeletesWhenFullAndOtherwiseMixes() {
        let workload = SoakWorkload(maxBytes: 1 << 20, maxLiveFiles: 4)
        var random = SplitMix(state: 3)
        #expect((0..<50).allSatisfy { _ in workload.nextOperation(live: 0, using: &random) == .put })
        #expect((0..<50).allSatisfy { _ in workload.nextOperation(live: 4, using: &random) == .delete })
        let mixed = (0..<10_000).map { _ in workload.nextOperation(live: 2, using: &random) }
        let count = { (operation: SoakWorkload.Operation) in mixed.filter { $0 == operation }.count }
        #expect((4200...4800).contains(count(.put)))
        #expect((3200...3800).contains(count(.get)))
        #expect((1700...2300).contains(count(.delete)))
    }
}
