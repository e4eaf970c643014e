import ArgumentParser
import CairnSim
import Foundation

/// `cairn sim dht`: thousands of whole peer machines (the ones `cairn run` drives) on a virtual clock and a seeded
/// network, so that one seed always gives the same figures (see simulations/README.md).
struct SimDHTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dht",
        abstract: "Simulate a DHT network in one process and measure its lookups.",
        discussion: """
            Peer 0 bootstraps; the others join through it; a share of them (--churn) then crashes; then \
            --lookups lookups for random keys run from random live peers. A lookup succeeds when it returns \
            exactly the k live peers closest to its key. Same seed, same report (but for wall_seconds).

            Targets: --peers 10000 --lookups 1000 --seed 1 in at most 60 s with success_rate 1.0 and \
            hops_median at most 4; with --churn 0.2, success_rate at least 0.99.

            Examples:
              cairn sim dht --peers 10000 --lookups 1000 --seed 1
              cairn sim dht --scenario simulations/dht-10k-churn.json --json
            """
    )

    @OptionGroup var network: SimNetworkOptions

    @Option(help: "Lookups measured once every peer has joined (1...1000000; default 100).")
    var lookups: Int?

    @Option(help: "Kademlia's k: bucket size and result size (default 20).")
    var k: Int?

    @Option(help: "Kademlia's alpha: requests in flight per lookup (default 3).")
    var alpha: Int?

    func validate() throws {
        _ = try resolvedConfiguration()
    }

    func run() async throws {
        SimHugePages.reexecIfNeeded()
        let simulation = try DHTSimulation(config: resolvedConfiguration())
        let report = simulation.run()
        try SimulationReportOutput.print(report, json: network.json) { Self.describe(report, config: simulation.config) }
    }

    /// The scenario file (if any) with the options laid over it, checked.
    func resolvedConfiguration() throws -> DHTSimulationConfig {
        try network.configuration(
            DHTSimulationConfig(peers: 1000, lookups: 100, seed: 1),
            what: "a DHT scenario (it needs at least \"peers\", \"lookups\" and \"seed\""
        ) { config in
            if let lookups { config.lookups = lookups }
            if let k { config.k = k }
            if let alpha { config.alpha = alpha }
        }
    }

    static func describe(_ report: DHTSimulationReport, config: DHTSimulationConfig) -> String {
        let fixed = SimulationReportOutput.fixed
        return SimulationReportOutput.table([
            ("peers", "\(report.peers) (k \(config.k), alpha \(config.alpha))"),
            ("lookups", "\(report.lookups)"),
            ("seed", "\(report.seed)"),
            ("churn",
             "\(fixed(report.churn * 100, 1)) % crashed, then \(fixed(config.settleSeconds, 0)) s of upkeep "
                + "before the lookups"),
            ("network", "\(fixed(config.latencyMs, 0)) ms base latency, \(fixed(config.lossRate * 100, 1)) % loss"),
            ("success rate", "\(fixed(report.successRate * 100, 2)) % returned exactly the k closest live peers"),
            ("hops", "median \(report.hopsMedian), p95 \(report.hopsP95), max \(report.hopsMax)"),
            ("messages/lookup", fixed(report.messagesPerLookup, 1)),
            ("messages in all", "\(report.messages) (joins, upkeep and lookups)"),
            ("latency (virtual)",
             "median \(fixed(report.latencyMsMedian, 0)) ms, p95 \(fixed(report.latencyMsP95, 0)) ms"),
            ("wall time", "\(fixed(report.wallSeconds, 2)) s"),
        ])
    }
}
