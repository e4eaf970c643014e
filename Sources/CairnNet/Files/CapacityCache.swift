import CairnWire
import Foundation
import Synchronization

/// Recent answers to "how much room do you have?", so that placement does not ask every provider for every
/// small file. A provider that filled up in the meantime refuses the shard, and the uploader places it elsewhere.
final class CapacityCache: Sendable {
    /// One provider's answer: the room it really has, and its clock against this one's (nil when it did not say,
    /// or for this peer itself).
    struct Entry: Sendable {
        var free: UInt64
        var clockOffset: Duration?
    }

    private let entries = Mutex<[PeerID: (entry: Entry, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration = .seconds(5)

    func entry(of peer: PeerID) -> Entry? {
        entries.withLock { entries in
            guard let cached = entries[peer], ContinuousClock.now - cached.at < lifetime else { return nil }
            return cached.entry
        }
    }

    func remember(_ entry: Entry, of peer: PeerID) {
        entries.withLock { $0[peer] = (entry, ContinuousClock.now) }
    }

    func forget(_ peer: PeerID) {
        _ = entries.withLock { $0.removeValue(forKey: peer) }
    }
}
