import CairnWire

/// What a query cost, for logs and the simulator's report.
public struct QueryStats: Hashable, Sendable {
    /// Discovery depth of the farthest-found peer among the results: 1 when the local routing table already
    /// held them all, d + 1 for a peer first learned from a peer at depth d.
    public var hops: Int
    /// Requests sent on the query's behalf (lookup and STOREs).
    public var messagesSent: Int
    /// Requests that timed out, were refused by the transport or got a response of the wrong kind.
    public var failures: Int
    public var started: Instant
    public var finished: Instant

    public init(hops: Int, messagesSent: Int, failures: Int, started: Instant, finished: Instant) {
        self.hops = hops
        self.messagesSent = messagesSent
        self.failures = failures
        self.started = started
        self.finished = finished
    }

    /// Time from `startQuery` to the `.finished` action.
    public var duration: Duration { finished - started }
}
