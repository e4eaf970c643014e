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
    /// Virtual time between two joins (`joinSpacing(peers:)` unless set).
    public var joinSpacing: Duration
    /// Virtual time between the starts of two lookups.
    public var lookupSpacing: Duration = .milliseconds(10)
    /// How often every peer runs its upkeep (`PeerMachineConfig.maintenanceInterval`), from its start.
    public var tickInterval: Duration = .seconds(10)

    /// Checks the scenario; throws the first problem as a sentence.
    public init(config: DHTSimulationConfig) throws(DHTSimulationConfigError) {
        try config.validate()
        self.config = config
        self.joinSpacing = Self.joinSpacing(peers: config.peers)
    }

    /// 10 ms between joins, closer in networks beyond 10,001 peers so that the joins span at most
    /// `longestJoinPhase` (100,000 peers: 1 ms).
    ///
    /// Why the run still tells the truth: the lookups meet the network the joins built, and every join still
    /// runs in full (dial, self lookup, a refresh of every farther bucket, the peer record's publication),
    /// with every peer's upkeep running from its start. What a longer join phase adds is upkeep: each peer
    /// pings every entry of its neighbourhood silent for 30 s (`DHTConfig.livenessInterval`), so 100,000
    /// joins spread over 1,000 s would cost tens of millions of pings (two events each) which, with no peer
    /// crashed before the lookups, are all answered and change no table's membership: a full bucket keeps
    /// its old entries whether or not it pings them, and only a failed ping evicts (§4). The price is that
    /// more joins overlap (ten times as many at 1 ms), so a joining peer more often meets others still
    /// joining. With `lossRate` above zero lost pings do evict live entries, and a shorter join phase loses
    /// fewer. Runs of up to 10,001 peers keep 10 ms and are unchanged.
    public static func joinSpacing(peers: Int) -> Duration {
        let joins = Int64(Swift.max(1, peers - 1))
        let spread = longestJoinPhase.nanosecondsClamped / joins
        return .nanoseconds(Swift.min(maxJoinSpacing.nanosecondsClamped, spread))
    }

    static let maxJoinSpacing: Duration = .milliseconds(10)
    static let longestJoinPhase: Duration = .seconds(100)

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
