import CairnPeer
import CairnStorage
import CairnWire

extension FileService {
    /// Asks every holder of `layout`, in parallel and with a short timeout, which of its shards it has: one
    /// index lookup per holder, no shard read. A holder without an address or that does not answer counts as
    /// unreachable.
    func probe(_ layout: PlacedFile, holders: [PeerID: PeerInfo]) async -> ShardAvailability {
        let wanted = Set(layout.segments.flatMap(\.holders))
        return await withTaskGroup(of: (PeerID, Set<ShardID>?).self) { group in
            for holder in wanted {
                guard let info = holders[holder] else { continue }
                let ids = layout.shardIDs(heldBy: holder)
                group.addTask {
                    var have = Set<ShardID>()
                    for start in stride(from: 0, to: ids.count, by: StorageRequest.maxProbedShards) {
                        let chunk = Array(ids[start..<min(ids.count, start + StorageRequest.maxProbedShards)])
                        guard case .holding(let flags)? = try? await self.peer.storageRequest(
                            .holds(ids: chunk), to: info, timeout: .seconds(5)), flags.count == chunk.count
                        else { return (holder, nil) }
                        for (id, flag) in zip(chunk, flags) where flag { have.insert(id) }
                    }
                    return (holder, have)
                }
            }
            var availability = ShardAvailability()
            availability.unreachable = wanted.filter { holders[$0] == nil }
            for await (holder, have) in group {
                if let have { availability.held[holder] = have } else { availability.unreachable.insert(holder) }
            }
            return availability
        }
    }
}
