import CairnStorage
import CairnWire

/// The bookkeeping of an in-memory shard store, whatever it keeps of each shard (`Payload`): the shards by
/// ID with their sizes, and the references that keep each one, pending or confirmed — the same rules as the
/// disk store's index (`ShardStore`): one copy per ID, a shard goes with its last reference, a confirmed
/// reference stays confirmed, pending ones older than a cutoff are reclaimed.
struct ShardLedger<Payload: Sendable>: Sendable {
    struct Reference: Sendable {
        var confirmed: Bool
        var added: Instant
    }

    struct Entry: Sendable {
        var payload: Payload
        var size: UInt64
        var references: [ShardReference: Reference]

        /// Kept by at least one confirmed reference.
        var isConfirmed: Bool { references.values.contains { $0.confirmed } }
    }

    let capacity: UInt64
    private(set) var shards: [ShardID: Entry] = [:]
    private(set) var used: UInt64 = 0
    /// Bytes of the shards at least one confirmed reference keeps (`KeptBytesLimit`).
    private(set) var confirmedBytes: UInt64 = 0

    init(capacity: UInt64) {
        self.capacity = capacity
    }

    var free: UInt64 { capacity > used ? capacity - used : 0 }

    /// Adds `reference` to shard `id`, storing the shard (`payload()`) first when it is new; false when it was
    /// already stored. Throws `noCapacity` when a new shard does not fit.
    mutating func write(_ id: ShardID, size: UInt64, payload: () -> Payload, reference: ShardReference,
                        confirmed: Bool, now: Instant) throws(StorageError) -> Bool {
        let added = Reference(confirmed: confirmed, added: now)
        if var entry = shards[id] {
            let wasConfirmed = entry.isConfirmed
            if let known = entry.references[reference] {
                entry.references[reference]?.confirmed = known.confirmed || confirmed
            } else {
                entry.references[reference] = added
            }
            if !wasConfirmed && entry.isConfirmed { confirmedBytes += entry.size }
            shards[id] = entry
            return false
        }
        guard used + size <= capacity else { throw .noCapacity(needed: size, used: used, capacity: capacity) }
        shards[id] = Entry(payload: payload(), size: size, references: [reference: added])
        used += size
        if confirmed { confirmedBytes += size }
        return true
    }

    func entry(_ id: ShardID) -> Entry? { shards[id] }

    mutating func release(_ id: ShardID, reference: ShardReference, onlyIfPending: Bool = false) -> ShardStore.Release {
        guard var entry = shards[id], let known = entry.references[reference], !(onlyIfPending && known.confirmed)
        else { return .notReferenced }
        let wasConfirmed = entry.isConfirmed
        entry.references[reference] = nil
        if wasConfirmed && !entry.isConfirmed { confirmedBytes -= entry.size }
        guard entry.references.isEmpty else {
            shards[id] = entry
            return .stillReferenced
        }
        shards[id] = nil
        used -= entry.size
        return .deleted
    }

    /// Confirms `reference` on the listed shards it holds; with a `limit`, refused (`freeAllowanceUsed`,
    /// nothing changed) when the bytes kept confirmed afterwards would exceed it.
    mutating func confirm(
        file: Key256, owner: PeerID, shards ids: [ShardID], limit: KeptBytesLimit? = nil
    ) throws(StorageError) -> Int {
        let reference = ShardReference(file: file, owner: owner)
        let held = ids.filter { shards[$0]?.references[reference] != nil }
        if let limit {
            // Only shards no confirmed reference keeps yet add bytes; each counted once.
            var added: UInt64 = 0
            var counted: Set<ShardID> = []
            for id in held where counted.insert(id).inserted {
                if let entry = shards[id], !entry.isConfirmed { added += entry.size }
            }
            if added > 0, let refusal = limit.refusal(keeping: confirmedBytes + added) { throw refusal }
        }
        for id in held {
            if shards[id]?.isConfirmed == false { confirmedBytes += shards[id]?.size ?? 0 }
            shards[id]?.references[reference]?.confirmed = true
        }
        return held.count
    }

    mutating func reclaimPending(addedBefore cutoff: Instant) -> ShardStore.PendingReclaim {
        var stale: [(ShardID, ShardReference)] = []
        for (id, entry) in shards {
            for (reference, state) in entry.references where !state.confirmed && state.added < cutoff {
                stale.append((id, reference))
            }
        }
        var result = ShardStore.PendingReclaim()
        for (id, reference) in stale {
            switch release(id, reference: reference, onlyIfPending: true) {
            case .notReferenced: continue
            case .stillReferenced: result.references += 1
            case .deleted:
                result.references += 1
                result.shards += 1
            }
        }
        return result
    }
}
