import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput and latency; prints a table, or JSON with --json.",
        subcommands: [BenchTransportCommand.self, BenchDHTCommand.self, BenchPipelineCommand.self, BenchFilesCommand.self])
}

/// Latency percentiles over a sample, in milliseconds.
struct LatencySummary {
    var median: Double
    var p99: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        median = percentile(0.5)
        p99 = percentile(0.99)
    }
}
