import CairnWire
import Foundation
import Synchronization

/// Recent answers to "how much room do you have?", so that placement does not ask every provider for every
/// small file. A provider that filled up in the meantime refuses the shard, and the uploader places it elsewhere.
final class CapacityCache: Sendable {
    private let entries = Mutex<[PeerID: (free: UInt64, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration = .seconds(5)

    func free(of peer: PeerID) -> UInt64? {
        entries.withLock { entries in
            guard let entry = entries[peer], ContinuousClock.now - entry.at < lifetime else { return nil }
            return entry.free
        }
    }

    func remember(_ free: UInt64, of peer: PeerID) {
        entries.withLock { $0[peer] = (free, ContinuousClock.now) }
    }

    func forget(_ peer: PeerID) {
        _ = entries.withLock { $0.removeValue(forKey: peer) }
    }
}
