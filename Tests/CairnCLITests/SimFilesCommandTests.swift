import CairnSim
import Foundation
import Testing

@testable import cairn

/// `cairn sim files` reads its scenario from options and scenario files, and refuses what cannot run.
@Suite struct SimFilesCommandTests {
    @Test func optionsMakeTheScenario() throws {
        let command = try SimFilesCommand.parse([
            "--peers", "1000", "--files", "200", "--size", "1048576", "--payload", "real", "--seed", "1",
        ])
        #expect(try command.resolvedConfiguration()
            == FileSimulationConfig(peers: 1000, files: 200, seed: 1, size: 1_048_576, payload: .real))
    }

    @Test func optionsOverrideTheScenarioFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID()).json").path
        try Data(#"{"peers": 10000, "files": 10000, "seed": 1, "churn": 0.2}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command = try SimFilesCommand.parse(["--scenario", path, "--peers", "500"])
        let config = try command.resolvedConfiguration()
        #expect(config.peers == 500 && config.files == 10_000 && config.churn == 0.2 && config.payload == .synthetic)
    }

    @Test func aScenarioThatCannotRunIsRefusedWithASentence() throws {
        #expect(throws: (any Error).self) { try SimFilesCommand.parse(["--peers", "5"]).validate() }
        #expect(throws: (any Error).self) { try SimFilesCommand.parse(["--payload", "imaginary"]) }
    }

    @Test func theReportReadsAsSentences() throws {
        let config = FileSimulationConfig(peers: 30, files: 3, seed: 1, size: 10_000, churn: 0.1)
        let report = try FileSimulation(config: config).run()
        let text = SimFilesCommand.describe(report, config: config)
        #expect(text.contains("3 of 3 stored"))
        #expect(text.contains("binomial prediction"))
    }
}
