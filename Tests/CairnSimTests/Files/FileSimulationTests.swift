@testable import CairnSim
import CairnStorage
import Foundation
import Testing

/// Whole simulated peers put and get files through their machines (`FileSimulation`).
@Suite struct FileSimulationTests {
    /// The report minus the figures that depend on the machine it ran on.
    func deterministic(_ report: FileSimulationReport) -> FileSimulationReport {
        var copy = report
        copy.wallSeconds = 0
        copy.peakRSSMiB = 0
        return copy
    }

    @Test func realFilesPutOnFiftyPeersAreAllReadFromOthers() throws {
        let config = FileSimulationConfig(peers: 50, files: 10, seed: 3, size: 300_000, payload: .real)
        let report = try FileSimulation(config: config).run()
        #expect(report.putsOK == 10)
        #expect(report.getsOK == 10)
        #expect(report.readableFraction == 1)
        #expect(report.readableExpected == 1)
        #expect(report.messages > 0 && report.virtualSeconds > 0 && report.wallSeconds > 0)
    }

    @Test func aFileOfSeveralSegmentsIsReadWhole() throws {
        // 4 MiB segments: 9 MiB is three, the last one short.
        let config = FileSimulationConfig(peers: 20, files: 2, seed: 4, size: 9 << 20, payload: .real)
        let report = try FileSimulation(config: config).run()
        #expect(report.putsOK == 2 && report.getsOK == 2)
    }

    @Test(arguments: [FileSimulationConfig.Payload.real, .synthetic])
    func sameSeedGivesTheSameReport(payload: FileSimulationConfig.Payload) throws {
        let config = FileSimulationConfig(peers: 60, files: 12, seed: 9, size: 50_000, churn: 0.2, payload: payload)
        let first = try FileSimulation(config: config).run()
        let second = try FileSimulation(config: config).run()
        #expect(deterministic(first) == deterministic(second))
        var changed = config
        changed.seed = 10
        let other = try FileSimulation(config: changed).run()
        #expect(deterministic(other) != deterministic(first), "another seed is another run")
    }

    /// Crashes `count` of the holders of file 0's first segment after the puts, then gets every file.
    func runWithHoldersOfFirstFileCrashed(_ count: Int) throws -> (FileSimulationReport, SimulatedFile) {
        let config = FileSimulationConfig(peers: 30, files: 1, seed: 5, size: 20_000, payload: .synthetic,
                                          settleSeconds: 0)
        var run = FileSimulationRun(config: try FileSimulation(config: config).config, spacing: 10_000_000)
        run.putAll()
        let file = run.files[0]
        #expect(file.putOK)
        guard case .shardIDs(let ids) = file.expected else {
            Issue.record("a synthetic put records its shard IDs")
            return (run.report(), file)
        }
        let holders = run.simulator.stores.indices.filter { peer in
            (try? run.simulator.stores[peer]?.shards.contains(ids[0]).contains(true)) == true
        }
        #expect(holders.count == config.n, "each shard on its own provider")
        // Never the keepers of the descriptor alone: holders only, the uploader spared when it holds one.
        let victims = holders.filter { $0 != file.uploader }.prefix(count)
        run.crash(Array(victims))
        run.getAll()
        return (run.report(), run.files[0])
    }

    @Test func losingNMinusKHoldersKeepsTheFileReadable() throws {
        let (report, _) = try runWithHoldersOfFirstFileCrashed(4)
        #expect(report.putsOK == 1)
        #expect(report.getsOK == 1)
    }

    @Test func losingMoreThanNMinusKHoldersMakesTheFileUnreadableAndTheReportSaysSo() throws {
        let (report, file) = try runWithHoldersOfFirstFileCrashed(5)
        #expect(report.putsOK == 1)
        #expect(report.getsOK == 0)
        #expect(report.readableFraction == 0)
        #expect(!file.getOK)
        #expect(file.failure?.contains("segment 0") == true, "the get says which segment: \(file.failure ?? "")")
    }

    @Test func moderateChurnOnSyntheticFilesMatchesTheBinomialPrediction() throws {
        let config = FileSimulationConfig(peers: 300, files: 300, seed: 2, size: 1 << 20, churn: 0.3,
                                          payload: .synthetic)
        let report = try FileSimulation(config: config).run()
        #expect(report.putsOK == 300)
        // 4-of-8 at 30 % churn: about 0.94 of the files; 300 files give a standard error of about 0.014.
        #expect(abs(report.readableFraction - report.readableExpected) < 0.05)
        #expect(report.readableFraction < 1, "some files lost more than n − k holders")
    }

    @Test(arguments: [
        (FileSimulationConfig(peers: 1, files: 1, seed: 1), "peers must be between 2"),
        (FileSimulationConfig(peers: 10, files: 0, seed: 1), "files must be between 1"),
        (FileSimulationConfig(peers: 10, files: 1, seed: 1, churn: 1), "churn is the share"),
        (FileSimulationConfig(peers: 10, files: 1, seed: 1, k: 4, n: 4), "the code needs 1 ≤ k < n ≤ 32"),
        (FileSimulationConfig(peers: 5, files: 1, seed: 1), "n = 8 shards need at least 8 peers"),
        (FileSimulationConfig(peers: 10, files: 1, seed: 1, size: 2 << 30, payload: .real), "with --payload real"),
    ])
    func invalidConfigurationsAreRefusedWithASentence(config: FileSimulationConfig, message: String) {
        do {
            _ = try FileSimulation(config: config)
            Issue.record("\(config) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    /// Every file scenario shipped in simulations/ (files-*.json) decodes and is valid.
    @Test func shippedScenariosAreValid() throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("simulations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("files-") && $0.hasSuffix(".json") }.sorted()
        #expect(files.contains("files-real-1k.json") && files.contains("files-10k-churn.json"))
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let config = try JSONDecoder().decode(FileSimulationConfig.self, from: data)
            #expect(throws: Never.self) { try config.validate() }
        }
    }

    @Test func scenarioFilesDecodeWithDefaults() throws {
        let json = #"{"peers": 100, "files": 20, "seed": 4, "churn": 0.1, "payload": "real"}"#
        let config = try JSONDecoder().decode(FileSimulationConfig.self, from: Data(json.utf8))
        #expect(config == FileSimulationConfig(peers: 100, files: 20, seed: 4, churn: 0.1, payload: .real))
    }
}
