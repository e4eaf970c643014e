import CairnCrypto

/// The storage scenario on whole simulated peers (`cairn sim storage`, issue 9 item 7): every peer is the
/// `PeerMachine` `cairn run` drives, with its `ChainMachine` and its `MarketAgent`; the driver only places the
/// files at the start (as a finished `put` would have), submits the owners' signed `openAgreements`
/// transactions, and plays the churn — providers leaving for good and fresh ones joining. Proofs, payments,
/// penalties, marking and self-repair are the machines' own. See `StorageSimulationRun`.
public struct StorageSimulation: Sendable {
    public let config: StorageSimulationConfig

    public init(config: StorageSimulationConfig) throws(StorageSimulationConfigError) {
        try config.validate()
        self.config = config
    }

    /// Runs the scenario to the end; `progress` gets a line now and then (for stderr), `log` the chosen peers'
    /// log lines. Two runs of one configuration give the same report but for `wallSeconds` and
    /// `eventsPerSecond`.
    public func run(progress: (String) -> Void = { _ in }, log: PeerLog? = nil) -> StorageSimulationReport {
        SignatureMemo.enable()
        let clock = ContinuousClock()
        let start = clock.now
        var run = StorageSimulationRun(config: config)
        run.simulator.log = log
        var report = run.execute(progress: progress)
        let elapsed = clock.now - start
        report.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        report.eventsPerSecond = report.wallSeconds > 0 ? Double(report.events) / report.wallSeconds : 0
        return report
    }
}
