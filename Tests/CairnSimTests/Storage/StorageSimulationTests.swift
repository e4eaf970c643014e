import Testing

@testable import CairnSim

/// `cairn sim storage` on a handful of whole peers: one validator, five providers, two 2-of-4 files, and the
/// provider holding slot 0 of the first file leaving for good at the first epoch boundary.
@Suite struct StorageSimulationTests {
    static let config = StorageSimulationConfig(
        peers: 6, files: 2, epochs: 10, seed: 3, churnPerEpoch: 0, validators: 1, k: 2, n: 4)

    static func run(repair: Bool) -> StorageSimulationReport {
        var config = config
        config.repair = repair
        var run = StorageSimulationRun(config: config)
        run.forceLeave(run.placement[0][0], atStep: 0)
        return run.execute { print($0) }
    }

    @Test func aLeavingProvidersSlotIsRepairedWithRepairOn() {
        let report = Self.run(repair: true)
        print(report)
        #expect(report.agreementsOpened == 8)
        #expect(report.providersRegistered == 5)
        #expect(report.slotsRepaired >= 1)
        #expect(report.repairBytes > 0)
        #expect(report.filesLost == 0)
        #expect(report.proofsOK > 0)
        #expect(report.payments > 0)
        // The same seed, the same report (wall time is set only by `StorageSimulation.run`).
        #expect(Self.run(repair: true) == report)
    }

    @Test func theSlotStaysLostWithRepairOff() {
        let report = Self.run(repair: false)
        print(report)
        #expect(report.agreementsOpened == 8)
        #expect(report.slotsRepaired == 0)
        #expect(report.repairBytes == 0)
        #expect(report.slotsAwaitingRepair >= 1)
        #expect(report.proofsMissed >= 2)
        // One slot of four gone: a 2-of-4 file survives it.
        #expect(report.filesLost == 0)
    }

    @Test func theModelMatchesTheBinomialTail() {
        // One epoch, P = 0.5: a 1-of-2 file is lost when both slots are, 1/4.
        let lost = StorageDurabilityModel.expectedLost(files: 4, k: 1, n: 2, churnPerEpoch: 0.5, epochs: 1)
        #expect(abs(lost - 1) < 1e-12)
        // p_slot = 1 − 0.9² = 0.19; a 2-of-3 file is lost with 2 or 3 slots gone: 3·0.19²·0.81 + 0.19³.
        let p = 0.19
        let expected = 3 * p * p * (1 - p) + p * p * p
        #expect(abs(StorageDurabilityModel.fileLoss(k: 2, n: 3, slotLoss: StorageDurabilityModel.slotLoss(
            churnPerEpoch: 0.1, epochs: 2)) - expected) < 1e-12)
    }
}
