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
    }

    let capacity: UInt64
    private(set) var shards: [ShardID: Entry] = [:]
    private(set) var used: UInt64 = 0

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
            if let known = entry.references[reference] {
                entry.references[reference]?.confirmed = known.confirmed || confirmed
            } else {
                entry.references[reference] = added
            }
            shards[id] = entry
            return false
        }
        guard used + size <= capacity else { throw .noCapacity(needed: size, used: used, capacity: capacity) }
        shards[id] = Entry(payload: payload(), size: size, references: [reference: added])
        used += size
        return true
    }

    func entry(_ id: ShardID) -> Entry? { shards[id] }

    mutating func release(_ id: ShardID, reference: ShardReference, onlyIfPending: Bool = false) -> ShardStore.Release {
        guard var entry = shards[id], let known = entry.references[reference], !(onlyIfPending && known.confirmed)
        else { return .notReferenced }
        entry.references[reference] = nil
        guard entry.references.isEmpty else {
            shards[id] = entry
            return .stillReferenced
        }
        shards[id] = nil
        used -= entry.size
        return .deleted
    }

    mutating func confirm(file: Key256, owner: PeerID, shards ids: [ShardID]) -> Int {
        let reference = ShardReference(file: file, owner: owner)
        var kept = 0
        for id in ids where shards[id]?.references[reference] != nil {
            shards[id]?.references[reference]?.confirmed = true
            kept += 1
        }
        return kept
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
