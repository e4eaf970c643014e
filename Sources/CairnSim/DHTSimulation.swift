import CairnDHT
import CairnWire

/// The deterministic simulation driver for the DHT (DESIGN.md §1): the very `DHTNode` machine that
/// `cairn run` drives over TCP, here thousands of them in one process, on a virtual clock, a seeded
/// random source and a simulated network.
///
/// The scenario: peer 0 is the bootstrap peer; every other peer joins through it (`addKnownPeer` and a
/// `.bootstrap` query), one every `joinSpacing` of virtual time; once every join has settled, a share
/// `churn` of the other peers crashes silently; the live peers run their upkeep (`tick`) from then on, and
/// after `settleSeconds` of virtual time `lookups` closest-peers queries for random keys run from random
/// live peers. A lookup succeeds when it returns exactly the k live peers closest to its key
/// (the asker counts when it is one of them), as found by brute force.
public struct DHTSimulation: Sendable {
    /// The scenario, validated.
    public let config: DHTSimulationConfig
    /// Virtual time between two joins.
    public var joinSpacing: Duration = .milliseconds(10)
    /// Virtual time between the starts of two lookups.
    public var lookupSpacing: Duration = .milliseconds(10)
    /// How often every live peer ticks, from the crashes until the last lookup has started.
    public var tickInterval: Duration = .seconds(10)

    /// Checks the scenario; throws the first problem as a sentence.
    public init(config: DHTSimulationConfig) throws(DHTSimulationConfigError) {
        try config.validate()
        self.config = config
    }

    /// Runs the scenario to the end. Two runs of one configuration give the same report but for
    /// `wallSeconds`.
    public func run() -> DHTSimulationReport {
        let clock = ContinuousClock()
        let start = clock.now
        var run = SimulationRun(config: config, joinSpacing: joinSpacing, lookupSpacing: lookupSpacing,
                                tickInterval: tickInterval)
        var report = run.execute()
        let elapsed = clock.now - start
        report.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return report
    }
}
