import ArgumentParser
import CairnSim
import Foundation

/// `cairn sim chain`: whole peer machines, each running the chain, on a virtual clock and a seeded network, so
/// that one seed always gives the same figures (see simulations/README.md).
struct SimChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Simulate the chain on many peers in one process: commits, safety, partitions, byzantine validators.",
        discussion: """
            Peers 0..<--validators validate with equal stake on a genesis made from the seed; the others \
            follow. Every peer joins the DHT through peer 0 and runs the chain until every live peer has \
            committed --heights blocks. --partition cuts that share of the peers (validators in proportion) \
            off from the others once a third of the heights is committed, for as long as that third took; \
            --byzantine makes that share of the validators sign conflicting votes and go silent at random. \
            Safety (no two honest peers commit different blocks at one height) is checked at every commit. \
            Same seed, same report (but for wall_seconds).

            Targets (release build): --peers 1000 --validators 100 --heights 1000 --seed 1, and the same with \
            --partition 0.5 and with --byzantine 0.2: safety_violations 0, every live peer at the target \
            height, recovered true, each in at most 5 minutes.

            Examples:
              cairn sim chain --peers 1000 --validators 100 --heights 1000 --seed 1
              cairn sim chain --scenario simulations/chain-1k-partition.json --json
            """
    )

    @OptionGroup var network: SimNetworkOptions

    @Option(help: "Validators, peers 0..<V, with equal stake (1...1000, at most --peers; default 100).")
    var validators: Int?

    @Option(help: "Height every live peer must commit (default 100).")
    var heights: Int?

    @Option(help: "Share of the peers cut off in the middle of the run, at least 0 and below 1 (default 0).")
    var partition: Double?

    @Option(help: "Share of the validators that equivocate and go silent; under a third (default 0).")
    var byzantine: Double?

    @Option(name: .customLong("max-virtual-seconds"),
            help: "Virtual seconds after which the run stops whatever the heights (default 600 + 10 a height).")
    var maxVirtualSeconds: Double?

    func validate() throws {
        _ = try resolvedConfiguration()
    }

    func run() async throws {
        SimHugePages.reexecIfNeeded()
        let simulation = try ChainSimulation(config: resolvedConfiguration())
        let report = simulation.run()
        try SimulationReportOutput.print(report, json: network.json) { Self.describe(report, config: simulation.config) }
    }

    /// The scenario file (if any) with the options laid over it, checked.
    func resolvedConfiguration() throws -> ChainSimulationConfig {
        try network.configuration(
            ChainSimulationConfig(peers: 1000, validators: 100, heights: 100, seed: 1),
            what: "a chain scenario (it needs at least \"peers\", \"validators\", \"heights\" and \"seed\""
        ) { config in
            if let validators { config.validators = validators }
            if let heights {
                if config.maxVirtualSeconds == ChainSimulationConfig.defaultMaxVirtualSeconds(heights: config.heights) {
                    config.maxVirtualSeconds = ChainSimulationConfig.defaultMaxVirtualSeconds(heights: heights)
                }
                config.heights = heights
            }
            if let partition { config.partition = partition }
            if let byzantine { config.byzantine = byzantine }
            if let maxVirtualSeconds { config.maxVirtualSeconds = maxVirtualSeconds }
        }
    }

    static func describe(_ report: ChainSimulationReport, config: ChainSimulationConfig) -> String {
        let fixed = SimulationReportOutput.fixed
        return SimulationReportOutput.table([
            ("peers", "\(report.peers) (\(report.livePeers) live and honest), \(report.validators) validators"),
            ("target", "height \(report.heights)"),
            ("seed", "\(report.seed)"),
            ("network", "\(fixed(config.latencyMs, 0)) ms base latency, \(fixed(config.lossRate * 100, 1)) % loss"),
            ("partition",
             report.partition > 0 ? "\(fixed(report.partition * 100, 1)) % of the peers cut off mid-run" : "none"),
            ("byzantine",
             "\(report.byzantineValidators) validators, \(report.equivocations) conflicting votes signed"),
            ("committed",
             "heights \(report.committedHeightMin) to \(report.committedHeightMax) on live honest peers"),
            ("safety", "\(report.safetyViolations) violations"),
            ("commit interval", "p50 \(fixed(report.commitMsP50, 0)) ms, p99 \(fixed(report.commitMsP99, 0)) ms (virtual)"),
            ("halted", "\(fixed(report.haltedSeconds, 1)) s with no new block anywhere"),
            ("recovered", report.recovered ? "yes: every live peer reached the target" : "NO"),
            ("messages", "\(report.messages)"),
            ("virtual time", "\(fixed(report.virtualSeconds, 1)) s"),
            ("wall time", "\(fixed(report.wallSeconds, 2)) s"),
        ])
    }
}

extension ChainSimulationConfig: SimScenarioConfig {
    func checked() throws -> Self {
        do { try validate() } catch { throw ValidationError(error.description) }
        return self
    }
}
