import CairnCrypto

/// The chain scenario on whole simulated peers (`cairn sim chain`, simulations/README.md): N `PeerMachine`s,
/// each running a `ChainMachine` on one genesis whose V validators are the first V peers, join the DHT through
/// peer 0 and run the chain until every live peer has committed the target height. Optionally a share of the
/// peers is cut off in the middle of the run (`partition`), and a share of the validators equivocates and goes
/// silent (`byzantine`, played by the driver with their keys: `ChainAdversary`). Safety — no two honest peers
/// commit different blocks at one height — is checked as every commit happens (`ChainCommitLog`).
///
/// `commit_ms` is measured per height at its first commit anywhere: the virtual time between the first
/// honest commit of a height and that of the next.
public struct ChainSimulation: Sendable {
    /// The scenario, validated.
    public let config: ChainSimulationConfig

    /// Checks the scenario; throws the first problem as a sentence.
    public init(config: ChainSimulationConfig) throws(ChainSimulationConfigError) {
        try config.validate()
        self.config = config
    }

    /// Runs the scenario to the end. Two runs of one configuration give the same report but for
    /// `wallSeconds`.
    ///
    /// Turns `SignatureMemo` on for the process: the simulated peers check the same signatures a hundred times
    /// over, and the answer is a pure function of its inputs (see `SignatureMemo`).
    public func run() -> ChainSimulationReport {
        SignatureMemo.enable()
        let clock = ContinuousClock()
        let start = clock.now
        var run = ChainSimulationRun(config: config)
        var report = run.execute()
        let elapsed = clock.now - start
        report.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return report
    }
}
