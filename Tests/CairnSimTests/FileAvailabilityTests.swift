@testable import CairnSim
import Foundation
import Testing

@Suite struct FileAvailabilityTests {
    @Test func fourOfEightWithAFifthLostIsTheIssuesFigure() {
        // Σ_{i=0}^{4} C(8,i) 0.2^i 0.8^(8−i) = 0.9895936
        let segment = FileAvailability.segmentReadable(k: 4, n: 8, churn: 0.2)
        #expect(abs(segment - 0.989_593_6) < 1e-6)
        let file = FileAvailability.fileReadable(k: 4, n: 8, segments: 1, descriptorReplicas: 5, churn: 0.2)
        #expect(abs(file - 0.989_593_6 * (1 - 0.000_32)) < 1e-6)
    }

    @Test func edgeCases() {
        #expect(FileAvailability.segmentReadable(k: 4, n: 8, churn: 0) == 1)
        #expect(FileAvailability.segmentReadable(k: 1, n: 1, churn: 0.3) == 0.7)
        // Replication (1-of-3): lost only when all three are.
        #expect(abs(FileAvailability.segmentReadable(k: 1, n: 3, churn: 0.5) - 0.875) < 1e-12)
        // More segments, less chance that every one survives.
        let one = FileAvailability.fileReadable(k: 4, n: 8, segments: 1, descriptorReplicas: 5, churn: 0.2)
        let ten = FileAvailability.fileReadable(k: 4, n: 8, segments: 10, descriptorReplicas: 5, churn: 0.2)
        #expect(ten < one)
    }
}

@Suite struct FileSimulationConfigTests {
    @Test func decodesWithDefaultsAndRefusesWithASentence() throws {
        let config = try JSONDecoder().decode(
            FileSimulationConfig.self, from: Data(#"{"peers": 1000, "files": 200, "seed": 1}"#.utf8))
        #expect(config == FileSimulationConfig(peers: 1000, files: 200, seed: 1))
        #expect(config.size == 1_048_576 && config.k == 4 && config.n == 8 && config.payload == .synthetic)
        try config.validate()

        var tooSmall = config
        tooSmall.peers = 5
        #expect(throws: FileSimulationConfigError.tooFewPeers(n: 8, peers: 5)) { try tooSmall.validate() }
        #expect("\(FileSimulationConfigError.tooFewPeers(n: 8, peers: 5))" == "n = 8 shards need at least 8 peers, not 5")
        var churned = config
        churned.churn = 1
        #expect(throws: FileSimulationConfigError.churn(1)) { try churned.validate() }
        var huge = config
        huge.payload = .real
        huge.size = 2 << 30
        #expect(throws: FileSimulationConfigError.size(2 << 30, .real)) { try huge.validate() }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(FileSimulationConfig.self, from: Data(#"{"peers": 10, "files": 1, "seed": 1, "payload": "fake"}"#.utf8))
        }
    }
}
