/// How a peer shares its open-file limit (issue 6, item 9): connections of the peer transport, connections of
/// the local API, and a reserve that neither may take — the shard store's files (one or two per disk thread),
/// the SQLite databases with their WAL and shared-memory files, the event loops' own descriptors, standard
/// streams and logs. Without the reserve, a flood of API connections makes shard writes fail with
/// `Too many open files` and so other peers' puts.
public struct FileDescriptorBudget: Sendable, Equatable {
    /// Descriptors kept for everything but connections.
    public static let reserved = 128
    /// Fewer connections than this on either side would leave a peer that cannot work.
    public static let minimumConnections = 16

    public var limit: Int
    public var transportConnections: Int
    public var apiConnections: Int
    public var reserved: Int { limit - transportConnections - apiConnections }

    /// Fits the wanted connection counts under `limit`, keeping `reserved` free; when they do not fit, both are
    /// cut in proportion. Throws when not even the minimum fits.
    public init(limit: Int, transport: Int, api: Int) throws(FileDescriptorBudgetError) {
        let available = limit - Self.reserved
        guard available >= 2 * Self.minimumConnections else {
            throw FileDescriptorBudgetError(limit: limit, needed: Self.reserved + 2 * Self.minimumConnections)
        }
        self.limit = limit
        if transport + api <= available {
            (transportConnections, apiConnections) = (transport, api)
        } else {
            let transportShare = max(Self.minimumConnections, available * transport / max(1, transport + api))
            let apiShare = max(Self.minimumConnections, available - transportShare)
            (transportConnections, apiConnections) = (available - apiShare, apiShare)
        }
    }
}

public struct FileDescriptorBudgetError: Error, CustomStringConvertible, Sendable, Equatable {
    public var limit: Int
    public var needed: Int

    public var description: String {
        "the open-file limit is \(limit), too low for a peer (it needs at least \(needed)): raise it with "
            + "`ulimit -n` (the hard limit too, as root or in /etc/security/limits.conf) and start again"
    }
}
