import ArgumentParser
import CairnStorage

/// Single-core MB/s of each stage of put and get, with no network: the ceiling the peers can reach.
struct BenchPipelineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Single-core MB/s of hash, encrypt, erasure code and the whole put/get pipelines.")

    @Option(help: "MiB of random data per stage.") var megabytes: Int = 256
    @Option(help: "Shards needed to rebuild a segment.") var k: Int = 4
    @Option(help: "Shards made per segment.") var n: Int = 8
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...4096).contains(megabytes) else { throw ValidationError("--megabytes must be 1...4096") }
        guard k >= 1, n > k, n <= CodingParameters.maxShardCount else {
            throw ValidationError("need 1 ≤ k < n ≤ \(CodingParameters.maxShardCount)")
        }
    }

    func run() async throws {
        let parameters = CodingParameters(segmentSize: CodingParameters.default.segmentSize, k: k, n: n)
        let report = try PipelineBenchmark.run(megabytes: megabytes, parameters: parameters)
        if json { return try printJSON(report) }
        printTable(["STAGE", "MB/S"], [
            ["sha-256 (shards)", String(format: "%.0f", report.hashMBPerSecond)],
            ["aes-256-gcm", String(format: "%.0f", report.encryptMBPerSecond)],
            ["reed-solomon \(k)-of-\(n)", String(format: "%.0f", report.erasureMBPerSecond)],
            ["put pipeline", String(format: "%.0f", report.putPipelineMBPerSecond)],
            ["get pipeline", String(format: "%.0f", report.getPipelineMBPerSecond)],
        ])
        print("one core, \(megabytes) MiB, 4 MiB segments; put target ≥ \(Int(PipelineBenchmark.putPipelineTarget)) MB/s")
    }
}
