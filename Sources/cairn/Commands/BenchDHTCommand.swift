import ArgumentParser
import CairnCrypto
import CairnDHT
import CairnNet
import CairnPeer
import CairnWire
import Foundation
import Logging
import NIOPosix

/// Lookup rate and latency on a local cluster of real peers talking TCP over loopback (in one process,
/// so that the figure measures the protocol and transport rather than process start-up).
struct BenchDHTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dht", abstract: "Lookups/s and lookup latency on a local cluster over loopback TCP.")

    @Option(help: "Peers in the cluster.") var peers: Int = 40
    @Option(help: "Lookups to run.") var lookups: Int = 2000
    @Option(help: "Lookups in flight at once.") var concurrency: Int = 16
    @Option(help: "First TCP port.") var basePort: Int = 4600
    @Flag(help: "Print JSON.") var json = false

    struct Report: Codable {
        var peers: Int
        var lookups: Int
        var lookupsPerSecond: Double
        var latencyMsMedian: Double
        var latencyMsP99: Double
        var hopsMedian: Double

        enum CodingKeys: String, CodingKey {
            case peers, lookups
            case lookupsPerSecond = "lookups_per_s"
            case latencyMsMedian = "latency_ms_median"
            case latencyMsP99 = "latency_ms_p99"
            case hopsMedian = "hops_median"
        }
    }

    func validate() throws {
        guard (2...200).contains(peers) else { throw ValidationError("--peers must be 2...200") }
        guard lookups >= 1, concurrency >= 1 else { throw ValidationError("--lookups and --concurrency must be ≥ 1") }
    }

    func run() async throws {
        var logger = Logger(label: "cairn.bench")
        logger.logLevel = .warning
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let parameters = NetworkParameters.embedded
        let bootstrap = PeerAddress(host: "127.0.0.1", port: UInt16(basePort))
        var cluster: [NetworkPeer] = []
        for index in 0..<peers {
            let peer = NetworkPeer(
                identity: Identity.generate(puzzleBits: parameters.puzzleBits),
                configuration: .init(listen: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + index)),
                                     bootstrap: [bootstrap], parameters: parameters),
                contacts: nil, eventLoop: group.next(), logger: logger)
            _ = try await peer.start()
            cluster.append(peer)
        }
        // Let every join finish: each peer knows all the others (or k of them).
        let wanted = min(peers - 1, parameters.k)
        for _ in 0..<200 {
            var ready = true
            for peer in cluster where try await peer.knownPeers().count < wanted { ready = false }
            if ready { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let clock = ContinuousClock()
        let started = clock.now
        var latencies: [Double] = []
        var hops: [Double] = []
        var issued = 0
        try await withThrowingTaskGroup(of: (Double, Int).self) { tasks in
            func launch() {
                let peer = cluster[issued % cluster.count]
                issued += 1
                tasks.addTask {
                    let begin = clock.now
                    let result = try await peer.query(.closestPeers(Random.key256()))
                    return ((clock.now - begin).millisecondsDouble, result.stats.hops)
                }
            }
            for _ in 0..<min(concurrency, lookups) { launch() }
            while let (latency, hopCount) = try await tasks.next() {
                latencies.append(latency)
                hops.append(Double(hopCount))
                if issued < lookups { launch() }
            }
        }
        let seconds = (clock.now - started).secondsDouble
        for peer in cluster { await peer.stop() }
        try await group.shutdownGracefully()

        let summary = LatencySummary(latencies)
        let report = Report(
            peers: peers, lookups: lookups, lookupsPerSecond: Double(lookups) / seconds,
            latencyMsMedian: summary.median, latencyMsP99: summary.p99, hopsMedian: LatencySummary(hops).median)
        if json { return try printJSON(report) }
        printTable(["PEERS", "LOOKUPS", "LOOKUPS/S", "MEDIAN MS", "P99 MS", "HOPS"], [[
            "\(report.peers)", "\(report.lookups)", String(format: "%.0f", report.lookupsPerSecond),
            String(format: "%.2f", report.latencyMsMedian), String(format: "%.2f", report.latencyMsP99),
            String(format: "%.0f", report.hopsMedian),
        ]])
    }
}
