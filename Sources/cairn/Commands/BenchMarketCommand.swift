import ArgumentParser
import CairnChain
import CairnMarket

/// What one provider's proofs for an epoch cost the chain (issue 9): with 10,000 agreements, at most a few
/// transactions, and at most 1 s of the other peers' CPU to validate them and settle the epoch. In memory, on
/// one core, timed with the thread's CPU clock.
struct BenchMarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Transactions, bytes and CPU to validate one provider's proofs for an epoch and settle it.")

    @Option(help: "Agreements the one provider holds.") var agreements: Int = 10_000
    @Option(help: "Agreements audited per provider per epoch (the genesis's proof_sample_per_provider).")
    var sample: UInt32 = MarketParameters.localNetwork.proofSamplePerProvider
    @Flag(help: "Print JSON.") var json = false

    struct Report: Codable {
        var agreements: Int
        var sample: UInt32
        var challenged: Int
        var proved: Int
        var paid: Int
        var transactions: Int
        var bytes: Int
        var blocks: Int
        var maxTxBytes: Int
        var maxBlockBytes: Int
        var validateCPUSeconds: Double
        var settleCPUSeconds: Double
        var totalCPUSeconds: Double
        var proofChecksSeconds: Double
        var ed25519Seconds: Double

        enum CodingKeys: String, CodingKey {
            case agreements, sample, challenged, proved, paid, transactions, bytes, blocks
            case maxTxBytes = "max_tx_bytes"
            case maxBlockBytes = "max_block_bytes"
            case validateCPUSeconds = "validate_cpu_s"
            case settleCPUSeconds = "settle_cpu_s"
            case totalCPUSeconds = "total_cpu_s"
            case proofChecksSeconds = "proof_checks_cpu_s"
            case ed25519Seconds = "ed25519_cpu_s"
        }
    }

    func validate() throws {
        guard (1...1_000_000).contains(agreements) else { throw ValidationError("--agreements must be 1...1000000") }
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
    }

    func run() async throws {
        let result = MarketBenchmark.verifyProofs(agreements: agreements, sample: sample, clock: ThreadCPUClock())
        let report = Report(
            agreements: result.agreements, sample: sample, challenged: result.challenged, proved: result.proved,
            paid: result.paid, transactions: result.transactions, bytes: result.bytes, blocks: result.blocks,
            maxTxBytes: result.maxTxBytes, maxBlockBytes: result.maxBlockBytes,
            validateCPUSeconds: result.cpuSeconds, settleCPUSeconds: result.settleSeconds,
            totalCPUSeconds: result.totalSeconds, proofChecksSeconds: result.verifySeconds,
            ed25519Seconds: result.signatureSeconds)
        if json { return try printJSON(report) }
        printTable(
            ["FIGURE", "VALUE", "TARGET"],
            [
                ["agreements with one provider", "\(report.agreements)", ""],
                ["challenged this epoch (sample \(sample))", "\(report.challenged)", ""],
                ["proofs accepted", "\(report.proved)", "all challenged"],
                ["proof transactions (≤ \(report.maxTxBytes) bytes)", "\(report.transactions)", "a few"],
                ["bytes", "\(report.bytes)", ""],
                ["blocks of \(report.maxBlockBytes) bytes", "\(report.blocks)", ""],
                ["validate and apply the proofs, CPU s", String(format: "%.3f", report.validateCPUSeconds), ""],
                ["settle the epoch (\(report.paid) paid), CPU s", String(format: "%.3f", report.settleCPUSeconds), ""],
                ["together, CPU s", String(format: "%.3f", report.totalCPUSeconds), "≤ 1"],
            ])
    }
}
