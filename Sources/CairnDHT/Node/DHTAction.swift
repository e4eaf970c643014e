import CairnWire

/// What a `DHTNode` asks its driver to do. The driver carries actions out in order and reports back with
/// `handleResponse` or `handleFailure` (after `DHTConfig.requestTimeout` at the latest) for every `.send`.
public enum DHTAction: Hashable, Sendable {
    case send(RequestID, to: PeerInfo, DHTRequest)
    /// Only for queries started with `startQuery`; the node's own maintenance queries finish silently.
    case finished(QueryID, QueryOutcome, QueryStats)
}
