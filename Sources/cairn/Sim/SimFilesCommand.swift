import ArgumentParser
import CairnSim
import Foundation

/// `cairn sim files`: thousands of whole peer machines (the ones `cairn run` drives) put and get files on a
/// virtual clock and a seeded network, so that one seed always gives the same figures (see simulations/README.md).
struct SimFilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "files",
        abstract: "Simulate a network that stores files in one process and measure what stays readable.",
        discussion: """
            Peer 0 bootstraps; the others join through it; --files files are put, each from a random peer; a \
            share of all peers (--churn) then crashes silently; then every stored file is got, with its read \
            capability, from a random live peer that is not its uploader, and checked. readable_expected is \
            the binomial prediction for a k-of-n code with that share of holders lost. Same seed, same report \
            (but for wall_seconds and peak_rss_mib).

            --payload real moves encrypted, erasure-coded bytes and compares each segment's SHA-256; synthetic \
            moves shard sizes and IDs only, so that 10,000 peers and 10,000 files fit in memory.

            Targets: --peers 1000 --files 200 --size 1048576 --payload real --seed 1: puts_ok 200, gets_ok 200; \
            --peers 10000 --files 10000 --churn 0.2 --payload synthetic --seed 1: readable_fraction within \
            0.01 of readable_expected, in at most 5 minutes and 8 GiB.

            Examples:
              cairn sim files --peers 1000 --files 200 --size 1048576 --payload real --seed 1
              cairn sim files --scenario simulations/files-10k-churn.json --json
            """
    )

    @OptionGroup var network: SimNetworkOptions

    @Option(help: "Files put, each from a random peer (1...1000000; default 100).")
    var files: Int?

    @Option(help: "Size of every file in bytes (default 1048576; at most 1 GiB with --payload real).")
    var size: Int?

    @Option(help: "What moves: real (encrypted, erasure-coded bytes) or synthetic (sizes and IDs; default).")
    var payload: FileSimulationConfig.Payload?

    @Option(help: "Shards that rebuild a segment (default 4).")
    var k: Int?

    @Option(help: "Shards per segment, on n distinct providers (default 8, at most 32).")
    var n: Int?

    func validate() throws {
        _ = try resolvedConfiguration()
    }

    func run() async throws {
        SimHugePages.reexecIfNeeded()
        let simulation = try FileSimulation(config: resolvedConfiguration())
        let report = simulation.run()
        try SimulationReportOutput.print(report, json: network.json) { Self.describe(report, config: simulation.config) }
    }

    /// The scenario file (if any) with the options laid over it, checked.
    func resolvedConfiguration() throws -> FileSimulationConfig {
        try network.configuration(
            FileSimulationConfig(peers: 1000, files: 100, seed: 1),
            what: "a file scenario (it needs at least \"peers\", \"files\" and \"seed\""
        ) { config in
            if let files { config.files = files }
            if let size { config.size = size }
            if let payload { config.payload = payload }
            if let k { config.k = k }
            if let n { config.n = n }
        }
    }

    static func describe(_ report: FileSimulationReport, config: FileSimulationConfig) -> String {
        let fixed = SimulationReportOutput.fixed
        return SimulationReportOutput.table([
            ("peers", "\(report.peers)"),
            ("files",
             "\(report.files) of \(report.size) bytes, \(report.k)-of-\(report.n), \(report.payload.rawValue) payload"),
            ("seed", "\(report.seed)"),
            ("churn",
             "\(fixed(report.churn * 100, 1)) % of the peers crashed after the puts, then "
                + "\(fixed(config.settleSeconds, 0)) s of upkeep before the gets"),
            ("network", "\(fixed(config.latencyMs, 0)) ms base latency, \(fixed(config.lossRate * 100, 1)) % loss"),
            ("puts", "\(report.putsOK) of \(report.files) stored"),
            ("gets", "\(report.getsOK) of \(report.putsOK) read back intact from another peer"),
            ("readable",
             "\(fixed(report.readableFraction * 100, 2)) % (binomial prediction "
                + "\(fixed(report.readableExpected * 100, 2)) %)"),
            ("messages", "\(report.messages)"),
            ("virtual time", "\(fixed(report.virtualSeconds, 1)) s"),
            ("wall time", "\(fixed(report.wallSeconds, 2)) s"),
            ("peak memory", "\(fixed(report.peakRSSMiB, 0)) MiB resident"),
        ])
    }
}

extension FileSimulationConfig.Payload: ExpressibleByArgument {}
