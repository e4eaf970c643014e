import CairnSim
import Foundation
import Testing

@Suite struct DHTSimulationTests {
    /// The report minus the one figure that depends on the machine.
    func deterministic(_ report: DHTSimulationReport) -> DHTSimulationReport {
        var copy = report
        copy.wallSeconds = 0
        return copy
    }

    @Test func sameSeedGivesTheSameReport() throws {
        let config = DHTSimulationConfig(peers: 150, lookups: 40, seed: 7, churn: 0.1, lossRate: 0.01)
        let first = try DHTSimulation(config: config).run()
        let second = try DHTSimulation(config: config).run()
        #expect(deterministic(first) == deterministic(second))
        #expect(first.wallSeconds > 0)
        let other = try DHTSimulation(config: DHTSimulationConfig(peers: 150, lookups: 40, seed: 8, churn: 0.1,
                                                                  lossRate: 0.01)).run()
        #expect(deterministic(other) != deterministic(first), "another seed is another run")
    }

    @Test func smallNetworkFindsTheExactClosestPeers() throws {
        let report = try DHTSimulation(config: DHTSimulationConfig(peers: 300, lookups: 60, seed: 1)).run()
        #expect(report.successRate == 1)
        #expect(report.hopsMedian >= 1 && report.hopsMedian <= 4)
        #expect(report.hopsP95 >= report.hopsMedian && report.hopsMax >= report.hopsP95)
        #expect(report.messagesPerLookup >= 20, "a lookup asks at least the k closest")
        #expect(report.latencyMsMedian >= 100, "at least one round trip of 2 x 50 ms")
        #expect(report.latencyMsP95 >= report.latencyMsMedian)
        #expect(report.peers == 300 && report.lookups == 60 && report.seed == 1 && report.churn == 0)
    }

    @Test func smallNetworkWithChurnStillFindsTheLivePeers() throws {
        let report = try DHTSimulation(config: DHTSimulationConfig(peers: 300, lookups: 60, seed: 2, churn: 0.2))
            .run()
        #expect(report.successRate >= 0.99)
    }

    @Test func lookupsRightAfterCrashesWaitOnTimeouts() throws {
        let config = DHTSimulationConfig(peers: 300, lookups: 40, seed: 3, churn: 0.3, settleSeconds: 0)
        let report = try DHTSimulation(config: config).run()
        #expect(report.latencyMsP95 >= 5000, "a crashed peer costs a 5 s request timeout")
        #expect(report.successRate > 0)
    }

    @Test(arguments: [
        (DHTSimulationConfig(peers: 1, lookups: 1, seed: 1), "peers must be between 2"),
        (DHTSimulationConfig(peers: 2_000_000, lookups: 1, seed: 1), "peers must be between 2"),
        (DHTSimulationConfig(peers: 10, lookups: 0, seed: 1), "lookups must be between 1 and 1000000"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, churn: 1), "churn is the share"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, churn: -0.1), "churn is the share"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, lossRate: 1), "loss rate"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, k: 0), "k must be"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, k: 4, alpha: 5), "alpha must be between 1 and k (4)"),
        (DHTSimulationConfig(peers: 10, lookups: 1, seed: 1, settleSeconds: -1), "settle time"),
    ])
    func invalidConfigurationsAreRefusedWithASentence(config: DHTSimulationConfig, message: String) {
        do {
            _ = try DHTSimulation(config: config)
            Issue.record("\(config) should have been refused")
        } catch {
            #expect(error.description.contains(message))
        }
    }

    @Test func reportEncodesWithTheAgreedKeys() throws {
        let report = DHTSimulationReport(peers: 10, lookups: 2, seed: 3, churn: 0.1, successRate: 1, hopsMedian: 2,
                                         hopsP95: 3, hopsMax: 4, messagesPerLookup: 21.5, messages: 900, latencyMsMedian: 100,
                                         latencyMsP95: 150, wallSeconds: 0.5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == [
            "peers", "lookups", "seed", "churn", "success_rate", "hops_median", "hops_p95", "hops_max",
            "messages_per_lookup", "messages", "latency_ms_median", "latency_ms_p95", "wall_seconds",
        ])
        #expect(try JSONDecoder().decode(DHTSimulationReport.self, from: data) == report)
    }

    @Test func configurationDecodesWithDefaults() throws {
        let json = #"{"peers": 500, "lookups": 20, "seed": 9, "latency_ms": 20}"#
        let config = try JSONDecoder().decode(DHTSimulationConfig.self, from: Data(json.utf8))
        #expect(config == DHTSimulationConfig(peers: 500, lookups: 20, seed: 9, latencyMs: 20))
        #expect(config.k == 20 && config.alpha == 3 && config.churn == 0 && config.lossRate == 0)
        #expect(config.settleSeconds == 50)
    }

    /// Every DHT scenario shipped in simulations/ (dht-*.json) decodes and is valid.
    @Test func shippedScenariosAreValid() throws {
        let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("simulations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("dht-") && $0.hasSuffix(".json") }.sorted()
        #expect(files.contains("dht-10k.json") && files.contains("dht-10k-churn.json"))
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let config = try JSONDecoder().decode(DHTSimulationConfig.self, from: data)
            #expect(throws: Never.self) { try config.validate() }
        }
    }
}
