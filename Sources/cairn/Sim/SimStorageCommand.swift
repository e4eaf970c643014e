import ArgumentParser
import CairnSim
import Foundation

/// `cairn sim storage`: whole peers — chain, market agent, self-repair — holding real files under provider
/// churn, on a virtual clock and a seeded network; durability measured against the binomial model.
struct SimStorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Simulate storage under provider churn on whole peers: files lost, repairs, proofs, payments.",
        discussion: """
            Peers 0..<--validators validate on a genesis made from the seed and store nothing; every other \
            peer runs the same PeerMachine as `cairn run`, registers as a storage provider from its genesis \
            balance and proves what it holds each epoch. --files real files (--k-of---n, one 4 KiB segment \
            each) are placed on distinct providers chosen from the seed and their agreements opened by \
            owners that run no peer. Then, at each of --epochs market epochs (the local network's: 10 blocks \
            of 500 ms), every live provider leaves for good with probability --churn-per-epoch and as many \
            fresh providers join. With repair on (the default) the providers' market agents rebuild lost \
            slots onto others; --no-repair turns that off. expected_lost_without_repair is the binomial \
            model of Storj's v3 whitepaper §3.4 for the same churn. Same seed, same report (but for \
            wall_seconds and events_per_second).

            Examples:
              cairn sim storage --peers 20 --files 20 --epochs 30 --seed 1 --churn-per-epoch 0.02
              cairn sim storage --peers 20 --files 20 --epochs 30 --seed 1 --churn-per-epoch 0.02 --no-repair --json
            """
    )

    @Option(help: "Peers at the start, the validators included (default 100).")
    var peers: Int = 100

    @Option(help: "Files stored (default 100).")
    var files: Int = 100

    @Option(help: "Market epochs of churn (default 30).")
    var epochs: Int = 30

    @Option(help: "Seed of every random choice: identities, files, placement, churn, latencies (default 1).")
    var seed: UInt64 = 1

    @Option(name: .customLong("churn-per-epoch"),
            help: "Chance that a provider leaves for good at each epoch boundary, at least 0 and below 1 (default 0).")
    var churnPerEpoch: Double = 0

    @Flag(name: .customLong("no-repair"), help: "Turn the providers' self-repair off.")
    var noRepair = false

    @Option(help: "Validators at genesis, peers 0..<V; they store nothing and never leave (default 4).")
    var validators: Int = 4

    @Option(help: "Slots any k of which rebuild a file (default 4).")
    var k: Int = 4

    @Option(help: "Slots of each file, each on its own provider (default 8).")
    var n: Int = 8

    @Option(name: .customLong("latency-ms"), help: "Base one-way link latency in milliseconds (default 20).")
    var latencyMs: Double = 20

    @Option(name: .customLong("log-peers"),
            help: "Print these peers' log lines to standard error with the virtual time: indices (3,7) or all.")
    var logPeers: String?

    @Flag(help: "Print the report as JSON (sorted keys).")
    var json = false

    func validate() throws {
        _ = try resolvedConfiguration()
        _ = try loggedPeers()
    }

    func run() async throws {
        SimHugePages.reexecIfNeeded()
        let simulation = try resolvedConfiguration()
        let toStandardError = { (line: String) in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let log = try loggedPeers().map { PeerLog(peers: $0, write: toStandardError) }
        let report = simulation.run(progress: toStandardError, log: log)
        try SimulationReportOutput.print(report, json: json) { Self.describe(report) }
    }

    /// `--log-peers`: nil when not given, `.some(nil)` for all, else the indices.
    func loggedPeers() throws -> Set<Int>?? {
        guard let logPeers else { return nil }
        if logPeers == "all" { return .some(nil) }
        let parts = logPeers.split(separator: ",", omittingEmptySubsequences: false)
        let indices = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard indices.count == parts.count, indices.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--log-peers takes peer indices separated by commas (3,7) or all, not '\(logPeers)'")
        }
        return .some(Set(indices))
    }

    func resolvedConfiguration() throws -> StorageSimulation {
        let config = StorageSimulationConfig(
            peers: peers, files: files, epochs: epochs, seed: seed, churnPerEpoch: churnPerEpoch, repair: !noRepair,
            validators: validators, k: k, n: n, latencyMs: latencyMs)
        do {
            return try StorageSimulation(config: config)
        } catch {
            throw ValidationError(error.description)
        }
    }

    static func describe(_ report: StorageSimulationReport) -> String {
        let fixed = SimulationReportOutput.fixed
        return SimulationReportOutput.table([
            ("peers", "\(report.peers) (\(report.validators) validators, \(report.peers - report.validators) "
                + "providers, \(report.providersRegistered) registered)"),
            ("files", "\(report.files) of \(report.k)-of-\(report.n), \(report.slotBytes) bytes a slot, "
                + "\(report.agreementsOpened) agreements opened"),
            ("seed", "\(report.seed)"),
            ("epochs", "\(report.epochs) of \(fixed(report.epochSeconds, 1)) s nominal "
                + "(market epochs \(report.firstEpoch) "
                + "to \(report.lastEpoch))"),
            ("churn", "\(fixed(report.churnPerEpoch * 100, 2)) % a epoch: \(report.providersLeft) left, "
                + "\(report.providersJoined) joined"),
            ("repair", report.repair ? "on" : "off"),
            ("files lost", "\(report.filesLost)"
                + (report.firstLossStep.map { " (first at epoch step \($0))" } ?? "")),
            ("model", "\(fixed(report.expectedLostWithoutRepair, 3)) expected lost without repair (binomial)"),
            ("slots repaired", "\(report.slotsRepaired) (\(report.slotsAwaitingRepair) awaiting repair at the end)"),
            ("repair bytes", "\(report.repairBytes)"),
            ("proofs", "\(report.proofsOK) ok, \(report.proofsMissed) missed"),
            ("payments", "\(report.payments) base units paid, \(report.penalties) in penalties"),
            ("work", "\(report.events) events, \(report.messages) messages, "
                + "\(fixed(report.eventsPerSecond, 0)) events/s"),
            ("virtual time", "\(fixed(report.virtualSeconds, 1)) s"),
            ("wall time", "\(fixed(report.wallSeconds, 2)) s"),
        ])
    }
}
