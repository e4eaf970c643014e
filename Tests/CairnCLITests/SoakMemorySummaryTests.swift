import Testing

@testable import cairn

@Suite struct SoakMemorySummaryTests {
    typealias Sample = MemoryTimeline.Sample

    let samples = [
        Sample(seconds: 0, phase: .idle, residentMiB: [38, 40]),
        Sample(seconds: 5, phase: .idle, residentMiB: [40, 41]),
        Sample(seconds: 10, phase: .load, residentMiB: [90, 130]),
        Sample(seconds: 15, phase: .cleanup, residentMiB: [70, 120]),
        Sample(seconds: 75, phase: .settle, residentMiB: [55, 80]),
    ]

    @Test func idleIsTheLastIdleSampleEndTheLastAndPeakTheHighestOfSamplesAndHighWater() {
        let summary = SoakMemorySummary.summarize(samples, highWaterMiB: [110, 125])
        #expect(
            summary == [
                SoakMemorySummary(peer: 0, idleMiB: 40, peakMiB: 110, endMiB: 55),
                SoakMemorySummary(peer: 1, idleMiB: 41, peakMiB: 130, endMiB: 80),
            ])
    }

    @Test func targetsAreAPeakUnder120MiBAndAnEndWithin20MiBOfIdle() {
        let summary = SoakMemorySummary.summarize(samples, highWaterMiB: [110, 125])
        #expect(summary[0].underCeiling && summary[0].backToIdle)
        #expect(!summary[1].underCeiling && !summary[1].backToIdle)
        #expect(!SoakMemorySummary(peer: 0, idleMiB: 40, peakMiB: 60, endMiB: 60.5).backToIdle)
        #expect(SoakMemorySummary(peer: 0, idleMiB: 40, peakMiB: 60, endMiB: 60).backToIdle)
    }

    @Test func aPeerMissingFromTheSamplesReadsAsZeroRatherThanTrapping() {
        let summary = SoakMemorySummary.summarize(
            [Sample(seconds: 0, phase: .idle, residentMiB: [40])],
            highWaterMiB: [41, 50])
        #expect(summary[1] == SoakMemorySummary(peer: 1, idleMiB: 0, peakMiB: 50, endMiB: 0))
    }
}
