/// The provider's timing rules, part of the machine's config so that the simulator and `cairn run` keep the
/// same ones. A peer without one stores nothing for others (benchmark peers).
public struct ProviderConfig: Sendable {
    /// How long a shard may stay pending before it is reclaimed: long enough for the slowest put to store its
    /// descriptor and confirm (a put of many GiB over a slow link takes a while), short enough that abandoned
    /// uploads do not hold space for long.
    public var pendingGrace: Duration
    public static let defaultPendingGrace: Duration = .seconds(3600)
    /// How long a placement record this provider signs stays valid. Long: nothing renews records yet (the
    /// storage market's agreements will), and a record that lapsed would hide shards that are still here.
    public var placementLifetime: Duration = .seconds(365 * 86_400)

    /// Committed blocks a confirmation that needs an agreement (no agreement for the file with this provider,
    /// the free allowance used) waits for one before it is refused. The owner submits the agreements right
    /// before it confirms, so they commit one or two blocks later; 10 blocks (5 s on the local network) leave
    /// room for a busy mempool and stay well inside the owner's 30 s request timeout.
    public var agreementWaitBlocks = 10
    /// Most confirmations waiting for agreements at once; beyond it one is refused at once, so that owners
    /// who never open agreements cannot pile up requests here.
    public var maxWaitingConfirmations = 256
    /// Most delete orders kept waiting for their agreements to end; past it, a delete is carried out at once.
    public var maxDeferredDeletes = 10_000

    public init(pendingGrace: Duration = ProviderConfig.defaultPendingGrace) {
        self.pendingGrace = pendingGrace
    }

    /// How often pending shards are looked at: a quarter of the grace period (so a pending shard lives at most
    /// 1¼ graces), within 1 s … 5 min.
    public var reclaimInterval: Duration {
        min(max(pendingGrace / 4, .seconds(1)), .seconds(300))
    }
}
