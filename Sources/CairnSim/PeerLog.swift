import CairnPeer

/// The log lines of chosen simulated peers, as `cairn run` would have logged them, each stamped with the
/// virtual time in seconds and the peer's index: what one peer did and when, which the report's totals cannot
/// say (`cairn sim storage --log-peers`).
public struct PeerLog {
    /// The peers whose lines are written; nil for every peer.
    public let peers: Set<Int>?
    let write: (String) -> Void

    public init(peers: Set<Int>?, write: @escaping (String) -> Void) {
        self.peers = peers
        self.write = write
    }

    func write(_ entry: PeerLogEntry, peer: Int, at nanoseconds: Int64) {
        guard peers?.contains(peer) ?? true else { return }
        write(Self.line(entry, peer: peer, at: nanoseconds))
    }

    /// `[   12.345 s] peer 7 info: message key=value …`, metadata in key order.
    static func line(_ entry: PeerLogEntry, peer: Int, at nanoseconds: Int64) -> String {
        let millis = nanoseconds / 1_000_000
        let seconds = "\(millis / 1000).\(String(1000 + millis % 1000).dropFirst())"
        let stamp = String(repeating: " ", count: max(0, 8 - seconds.count)) + seconds
        let metadata = entry.metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        return "[\(stamp) s] peer \(peer) \(entry.level): \(entry.message)\(metadata)"
    }
}
