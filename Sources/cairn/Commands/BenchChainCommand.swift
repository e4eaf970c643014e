import ArgumentParser
import CairnChain
import CairnCrypto
import CairnNet
import CairnPeer
import CairnWire
import Foundation
import Logging
import NIOPosix

/// The chain's three figures (issue 8, item 9): signed transfers validated per second on one core, block commit
/// latency on a local network of real validators, and how fast a fresh peer syncs a long chain, every peer a
/// real `NetworkPeer` over loopback TCP with its SQLite chain store, in one process.
struct BenchChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Transfer validation/s, block commit latency and block sync/s on a local network over loopback.")

    @Option(help: "Blocks the fresh peer syncs (target ≥ 1000 blocks/s at 10000).") var syncBlocks: Int = 10_000
    @Option(help: "Transfers in each synced block.") var txsPerBlock: Int = 20
    @Option(help: "Peers that hold the chain and serve it to the syncing peer.") var servers: Int = 2
    @Option(help: "Consecutive commits timed for the commit latency.") var commitBlocks: Int = 50
    @Option(help: "Validators of the commit-latency network.") var validators: Int = 4
    @Option(help: "Signed transfers validated for the per-core figure.") var transfers: Int = 20_000
    @Option(help: "First TCP port.") var basePort: Int = 4700
    @Flag(help: "Print JSON.") var json = false

    struct Report: Codable {
        var txValidatedPerSecond: Double
        var txValidatedPerSecondWall: Double
        var signatureOnlyPerSecond: Double
        var blockIntervalMs: UInt64
        var validators: Int
        var commitMsMedian: Double
        var commitMsP99: Double
        var submitToCommitMsMedian: Double
        var submitToCommitMsP99: Double
        var syncBlocks: Int
        var syncTxsPerBlock: Int
        var syncServers: Int
        var syncBlocksPerSecond: Double
        var syncDiscoverySeconds: Double

        enum CodingKeys: String, CodingKey {
            case txValidatedPerSecond = "tx_validated_per_s"
            case txValidatedPerSecondWall = "tx_validated_per_s_wall"
            case signatureOnlyPerSecond = "ed25519_verify_per_s"
            case blockIntervalMs = "block_interval_ms"
            case validators
            case commitMsMedian = "commit_ms_p50"
            case commitMsP99 = "commit_ms_p99"
            case submitToCommitMsMedian = "submit_to_commit_ms_p50"
            case submitToCommitMsP99 = "submit_to_commit_ms_p99"
            case syncBlocks = "sync_blocks"
            case syncTxsPerBlock = "sync_txs_per_block"
            case syncServers = "sync_servers"
            case syncBlocksPerSecond = "sync_blocks_per_s"
            case syncDiscoverySeconds = "sync_discovery_s"
        }
    }

    func validate() throws {
        guard syncBlocks >= 1 else { throw ValidationError("--sync-blocks must be ≥ 1") }
        guard (0...5_000).contains(txsPerBlock) else { throw ValidationError("--txs-per-block must be 0...5000") }
        guard (1...16).contains(servers) else { throw ValidationError("--servers must be 1...16") }
        guard (1...16).contains(validators) else { throw ValidationError("--validators must be 1...16") }
        guard commitBlocks >= 2, transfers >= 1 else {
            throw ValidationError("--commit-blocks must be ≥ 2 and --transfers ≥ 1")
        }
    }

    func run() async throws {
        var logger = Logger(label: "cairn.bench")
        logger.logLevel = .warning
        // Per core: thread CPU time, then wall time of the same work (a loaded machine lowers the second).
        let cpu = LedgerBenchmark.validateTransfers(count: transfers, clock: ThreadCPUClock())
        let wall = LedgerBenchmark.validateTransfers(count: transfers, clock: ContinuousClock())
        if !json { print("validation: \(cpu)") }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cairn-bench-chain-\(UInt32.random(in: .min ... .max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bench = ChainBenchNetwork(group: group, directory: directory, logger: logger)
        do {
            let commits = try await bench.commitLatency(
                validators: validators, blocks: commitBlocks, basePort: basePort, verbose: !json)
            let sync = try await bench.sync(
                blocks: syncBlocks, txsPerBlock: txsPerBlock, servers: servers, basePort: basePort + 100,
                verbose: !json)
            try await group.shutdownGracefully()
            let report = Report(
                txValidatedPerSecond: cpu.perSecond, txValidatedPerSecondWall: wall.perSecond,
                signatureOnlyPerSecond: cpu.signatureOnlyPerSecond, blockIntervalMs: commits.blockIntervalMs,
                validators: validators, commitMsMedian: commits.intervals.median, commitMsP99: commits.intervals.p99,
                submitToCommitMsMedian: commits.submitToCommit.median, submitToCommitMsP99: commits.submitToCommit.p99,
                syncBlocks: syncBlocks, syncTxsPerBlock: txsPerBlock, syncServers: servers,
                syncBlocksPerSecond: sync.blocksPerSecond, syncDiscoverySeconds: sync.discoverySeconds)
            if json { return try printJSON(report) }
            printTable(
                ["FIGURE", "VALUE", "TARGET"],
                [
                    [
                        "transfers validated/s, 1 core (CPU time)", String(format: "%.0f", report.txValidatedPerSecond),
                        "≥ 20000",
                    ],
                    [
                        "transfers validated/s, 1 core (wall)", String(format: "%.0f", report.txValidatedPerSecondWall),
                        "",
                    ],
                    ["Ed25519 verifications/s, 1 core", String(format: "%.0f", report.signatureOnlyPerSecond), ""],
                    ["block interval (genesis), ms", "\(report.blockIntervalMs)", ""],
                    [
                        "commit to commit p50 / p99, ms (\(validators) validators)",
                        String(format: "%.1f / %.1f", report.commitMsMedian, report.commitMsP99), "interval + a few ms",
                    ],
                    [
                        "submit to commit p50 / p99, ms",
                        String(format: "%.1f / %.1f", report.submitToCommitMsMedian, report.submitToCommitMsP99), "",
                    ],
                    [
                        "blocks synced/s (\(syncBlocks) blocks × \(txsPerBlock) transfers, \(servers) servers)",
                        String(format: "%.0f", report.syncBlocksPerSecond), "≥ 1000",
                    ],
                ])
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}
