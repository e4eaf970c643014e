import CairnStorage
import CairnWire
import Synchronization

/// Which shards a put has placed where, as they are stored, so that a put that fails can remove them
/// (delete orders) and a put that succeeds can confirm them (confirmation orders), each holder receiving only
/// its own shards. Also the providers that refused for lack of room, skipped for the rest of the put.
final class PlacedShards: Sendable {
    private struct State {
        var byHolder: [PeerID: (holder: PeerInfo, shards: [ShardID])] = [:]
        var full: Set<PeerID> = []
    }

    private let state = Mutex(State())

    func record(_ shard: ShardID, on holder: PeerInfo) {
        state.withLock { $0.byHolder[holder.id, default: (holder, [])].shards.append(shard) }
    }

    /// Every holder with the shards it took.
    var holders: [(holder: PeerInfo, shards: [ShardID])] { state.withLock { Array($0.byHolder.values) } }

    var isEmpty: Bool { state.withLock { $0.byHolder.isEmpty } }

    func markFull(_ provider: PeerID) {
        _ = state.withLock { $0.full.insert(provider) }
    }

    var full: Set<PeerID> { state.withLock { $0.full } }
}
