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

    public init(pendingGrace: Duration = ProviderConfig.defaultPendingGrace) {
        self.pendingGrace = pendingGrace
    }

    /// How often pending shards are looked at: a quarter of the grace period (so a pending shard lives at most
    /// 1¼ graces), within 1 s … 5 min.
    public var reclaimInterval: Duration {
        min(max(pendingGrace / 4, .seconds(1)), .seconds(300))
    }
}
