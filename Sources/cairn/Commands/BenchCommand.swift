import ArgumentParser
import CairnSim

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput and latency; prints a table, or JSON with --json.",
        subcommands: [BenchTransportCommand.self, BenchDHTCommand.self, BenchPipelineCommand.self, BenchFilesCommand.self,
                      BenchSoakCommand.self, BenchChainCommand.self, BenchMarketCommand.self])
}

/// Latency percentiles over a sample, in milliseconds.
struct LatencySummary {
    var median: Double
    var p99: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        median = Percentile.nearestRank(0.5, of: sorted)
        p99 = Percentile.nearestRank(0.99, of: sorted)
    }
}
