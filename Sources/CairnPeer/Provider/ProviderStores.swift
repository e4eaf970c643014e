import CairnStorage
import CairnWire
import NIOCore

/// A provider's stores, and the one place that carries a `StoreOperation` out against them. Both drivers call
/// `perform` — `cairn run` on its disk thread pool, the simulator inline — so neither has a rule of its own:
/// this only maps an operation to store calls and their result to an outcome.
public struct ProviderStores: Sendable {
    public let shards: any ShardStoring
    public let blobs: any BlobStoring

    public init(shards: any ShardStoring, blobs: any BlobStoring) {
        self.shards = shards
        self.blobs = blobs
    }

    /// Carries `operation` out; blocks on disk work. Never throws: a failure is the outcome `.failed`.
    public func perform(_ operation: StoreOperation) -> StoreOutcome {
        do {
            return try outcome(of: operation)
        } catch let error as StorageError {
            return .failed(error)
        } catch {
            return .failed(.database("\(error)"))
        }
    }

    private func outcome(of operation: StoreOperation) throws -> StoreOutcome {
        switch operation {
        case .writeShard(let id, let reference, let bytes, let now):
            return .written(new: try shards.write(bytes, id: id, reference: reference, confirmed: false, now: now))
        case .readShard(let id):
            return .shard(try shards.readShard(id))
        case .containsShards(let ids):
            return .holding(try shards.contains(ids))
        case .proveShard(let id, let leaf):
            guard let (bytes, path) = try shards.proof(leaf: leaf, of: id) else { return .noSuchLeaf }
            return .proof(leaf: ByteBuffer(bytes: bytes), path: path)
        case .capacity:
            return .capacity(total: shards.capacity, used: try shards.used(), free: try shards.free())
        case .putBlob(let kind, let key, let bytes, let owner):
            try blobs.put(kind: kind, key: key, bytes: bytes, owner: owner)
            return .done
        case .getBlob(let kind, let key):
            return .blob(try blobs.get(kind: kind, key: key).map { ByteBuffer(bytes: $0) })
        case .loadPlacement(let fileID):
            return .placement(descriptor: try blobs.get(kind: .descriptor, key: fileID),
                              records: try blobs.get(kind: .placement, key: fileID))
        case .deleteFile(let fileID, let reference, let ids, let owner):
            let count = try release(ids, reference: reference)
            _ = try blobs.delete(kind: .placement, key: fileID, owner: owner)
            _ = try blobs.delete(kind: .descriptor, key: fileID, owner: owner)
            return .deleted(shards: count)
        case .releaseShards(let reference, let ids):
            return .deleted(shards: try release(ids, reference: reference))
        case .confirmShards(let reference, let ids, let limit):
            return .confirmed(
                kept: try shards.confirm(file: reference.file, owner: reference.owner, shards: ids, limit: limit))
        case .reclaimPending(let cutoff):
            return .reclaimed(try shards.reclaimPending(addedBefore: cutoff))
        case .rebuildShards(let job):
            return try Self.rebuild(job)
        }
    }

    /// Drops `reference` from each of `ids`; the number of shards that went with their last reference.
    private func release(_ ids: [ShardID], reference: ShardReference) throws -> Int {
        var count = 0
        for id in ids where try shards.release(id, reference: reference) == .deleted { count += 1 }
        return count
    }

    /// The same checks as `cairn repair` (`FileService.rebuild`): sources against their IDs, rebuilt shards
    /// against theirs (content-addressed: the rebuilt slot has exactly the descriptor's shard IDs).
    static func rebuild(_ job: ShardRebuild) throws -> StoreOutcome {
        var valid: [(index: Int, bytes: [UInt8])] = []
        var bad: [Int] = []
        for (slot, buffer) in job.sources {
            let bytes = Array(buffer.readableBytesView)
            if slot < job.shardIDs.count, bytes.count == job.shardLength,
                ShardCommitment.id(of: bytes) == job.shardIDs[slot]
            {
                valid.append((slot, bytes))
            } else {
                bad.append(slot)
            }
        }
        guard bad.isEmpty else { return .rebuildRejected(bad) }
        let coder = try ErasureCoder(k: job.parameters.k, n: job.parameters.n)
        let shards = try coder.rebuild(valid, targets: job.targets)
        var rebuilt: [Int: ByteBuffer] = [:]
        for slot in job.targets {
            guard let bytes = shards[slot], slot < job.shardIDs.count,
                ShardCommitment.id(of: bytes) == job.shardIDs[slot]
            else { throw StorageError.erasureCoding("shard \(slot) rebuilt wrong: it does not match its ID") }
            rebuilt[slot] = ByteBuffer(bytes: bytes)
        }
        return .rebuilt(rebuilt)
    }
}
