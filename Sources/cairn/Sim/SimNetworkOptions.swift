import ArgumentParser
import CairnSim

/// The options every `cairn sim` scenario has: its file, the network's size and seed, the crashes, the links,
/// the upkeep before measuring, and the report's form. Each is laid over the scenario file's field when given.
struct SimNetworkOptions: ParsableArguments {
    @Option(help: "A scenario file (JSON, see simulations/). Options given as well override its fields.")
    var scenario: String?

    @Option(help: "Peers in the network, the bootstrap peer included (2...1048576; default 1000).")
    var peers: Int?

    @Option(help: "Seed of every random choice: identities, latencies, crashes, workload (default 1).")
    var seed: UInt64?

    @Option(help: "Share of the peers that crash silently before the measurement, at least 0 and below 1 (default 0).")
    var churn: Double?

    @Option(name: .customLong("latency-ms"), help: "Base one-way link latency in milliseconds (default 50).")
    var latencyMs: Double?

    @Option(help: "Chance that a message is lost, at least 0 and below 1 (default 0).")
    var loss: Double?

    @Option(name: .customLong("settle-seconds"),
            help: "Virtual seconds of upkeep between the crashes and the measurement (default 50; 0: none).")
    var settleSeconds: Double?

    @Flag(help: "Print the report as JSON (sorted keys).")
    var json = false
}

/// What every scenario configuration has, so that the shared options can be laid over any of them.
protocol SimScenarioConfig: Decodable {
    var peers: Int { get set }
    var seed: UInt64 { get set }
    var churn: Double { get set }
    var latencyMs: Double { get set }
    var lossRate: Double { get set }
    var settleSeconds: Double { get set }
    /// Throws a description of the first field out of range.
    func checked() throws -> Self
}

extension DHTSimulationConfig: SimScenarioConfig {
    func checked() throws -> Self {
        do { try validate() } catch { throw ValidationError(error.description) }
        return self
    }
}

extension FileSimulationConfig: SimScenarioConfig {
    func checked() throws -> Self {
        do { try validate() } catch { throw ValidationError(error.description) }
        return self
    }
}

extension SimNetworkOptions {
    /// `defaults`, or the scenario file when one is given (`what` names it in an error), with these options and
    /// then the command's own (`overlay`) laid over it, checked.
    func configuration<Config: SimScenarioConfig>(
        _ defaults: Config, what: String, overlay: (inout Config) -> Void
    ) throws -> Config {
        var config = defaults
        if let scenario { config = try SimulationReportOutput.scenario(scenario, as: Config.self, what: what) }
        if let peers { config.peers = peers }
        if let seed { config.seed = seed }
        if let churn { config.churn = churn }
        if let latencyMs { config.latencyMs = latencyMs }
        if let loss { config.lossRate = loss }
        if let settleSeconds { config.settleSeconds = settleSeconds }
        overlay(&config)
        return try config.checked()
    }
}
