import Testing

@testable import CairnSim

@Suite struct ChainSimulationTests {
    static func run(_ config: ChainSimulationConfig) throws -> ChainSimulationReport {
        try ChainSimulation(config: config).run()
    }

    @Test func aSmallNetworkCommitsEverywhereWithNoViolation() throws {
        let report = try Self.run(ChainSimulationConfig(peers: 20, validators: 4, heights: 20, seed: 1))
        #expect(report.safetyViolations == 0)
        #expect(report.committedHeightMin >= 20)
        #expect(report.committedHeightMax <= 21)
        #expect(report.recovered)
        #expect(report.haltedSeconds == 0)
        #expect(report.commitMsP50 >= 500, "the block interval is 500 ms: \(report.commitMsP50)")
        #expect(report.messages > 0)
    }

    @Test func theSameSeedGivesTheSameReport() throws {
        let config = ChainSimulationConfig(peers: 20, validators: 4, heights: 10, seed: 7, byzantine: 0.25)
        var a = try Self.run(config)
        var b = try Self.run(config)
        a.wallSeconds = 0
        b.wallSeconds = 0
        #expect(a == b)
        var other = config
        other.seed = 8
        var c = try Self.run(other)
        c.wallSeconds = 0
        #expect(c != a)
    }

    @Test func halfThePeersCutOffHaltsTheChainWhichResumesAfterHealing() throws {
        let report = try Self.run(
            ChainSimulationConfig(peers: 20, validators: 4, heights: 30, seed: 3, partition: 0.5))
        #expect(report.safetyViolations == 0)
        #expect(report.haltedSeconds > 5, "two of four validators on each side commit nothing")
        #expect(report.recovered)
        #expect(report.committedHeightMin >= 30)
    }

    @Test func aSmallMinorityCutOffCatchesUp() throws {
        let report = try Self.run(
            ChainSimulationConfig(peers: 20, validators: 7, heights: 30, seed: 4, partition: 0.2))
        #expect(report.safetyViolations == 0)
        #expect(report.haltedSeconds == 0, "the majority keeps committing: \(report.haltedSeconds)")
        #expect(report.recovered)
    }

    @Test func aByzantineValidatorCausesNoViolation() throws {
        let report = try Self.run(
            ChainSimulationConfig(peers: 20, validators: 4, heights: 30, seed: 5, byzantine: 0.25))
        #expect(report.byzantineValidators == 1)
        #expect(report.equivocations > 0)
        #expect(report.safetyViolations == 0)
        #expect(report.recovered)
        // The heights are the honest peers': all of them, and all at the same height at the end.
        #expect(report.livePeers == 19)
        #expect(report.committedHeightMin == report.committedHeightMax)
    }

    @Test func aThirdOfThePowerByzantineIsRefused() {
        #expect(throws: ChainSimulationConfigError.self) {
            try ChainSimulation(config: ChainSimulationConfig(peers: 20, validators: 6, heights: 5, seed: 1,
                                                              byzantine: 0.34))
        }
    }
}
