extension RoutingTable {
    /// The `count` known peers closest to `key` by XOR distance, nearest first, without sorting the table.
    ///
    /// With h = commonPrefixLength(localID, key), a peer in bucket i is at distance with leading bit:
    /// - i == h: beyond h (it agrees with the key on bits 0...h): the nearest group;
    /// - i > h: exactly h (it agrees with the local ID, hence differs from the key, at bit h): the next group;
    /// - i < h: exactly i: each lower bucket is farther than the one above it.
    /// So buckets are visited in that order and only within a group are distances compared.
    public func closest(to key: Key256, count wanted: Int, excluding excluded: PeerID? = nil) -> [PeerInfo] {
        guard wanted > 0, count > 0 else { return [] }
        var result: [PeerInfo] = []
        result.reserveCapacity(Swift.min(wanted, count))
        var selection = NearestSelection(capacity: Swift.min(wanted, count))
        let home = localID.commonPrefixLength(with: key)

        if home < buckets.count {
            selection.reset(capacity: wanted - result.count)
            selection.offer(bucket: home, of: buckets, key: key, excluding: excluded)
            selection.drain(into: &result, from: buckets)
        }
        if result.count < wanted, home + 1 < buckets.count {
            selection.reset(capacity: wanted - result.count)
            for b in (home + 1)..<buckets.count {
                selection.offer(bucket: b, of: buckets, key: key, excluding: excluded)
            }
            selection.drain(into: &result, from: buckets)
        }
        var b = Swift.min(home, buckets.count) - 1
        while result.count < wanted, b >= 0 {
            selection.reset(capacity: wanted - result.count)
            selection.offer(bucket: b, of: buckets, key: key, excluding: excluded)
            selection.drain(into: &result, from: buckets)
            b -= 1
        }
        return result
    }
}

/// The nearest few of a group of entries, kept sorted by insertion: groups hold at most a few dozen entries.
struct NearestSelection {
    private struct Slot {
        var distance: Key256
        var bucket: Int32
        var index: Int32
    }

    private var slots: [Slot]
    private var capacity: Int

    init(capacity: Int) {
        slots = []
        slots.reserveCapacity(capacity)
        self.capacity = capacity
    }

    mutating func reset(capacity: Int) {
        slots.removeAll(keepingCapacity: true)
        self.capacity = capacity
    }

    mutating func offer(bucket b: Int, of buckets: [KBucket], key: Key256, excluding excluded: PeerID?) {
        let entries = buckets[b].entries
        for i in entries.indices {
            let id = entries[i].peer.id
            if id == excluded { continue }
            let d = id.distance(to: key)
            if slots.count == capacity {
                guard d < slots[slots.count - 1].distance else { continue }
                slots.removeLast()
            }
            var lo = 0
            var hi = slots.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if slots[mid].distance < d { lo = mid + 1 } else { hi = mid }
            }
            slots.insert(Slot(distance: d, bucket: Int32(b), index: Int32(i)), at: lo)
        }
    }

    func drain(into result: inout [PeerInfo], from buckets: [KBucket]) {
        for slot in slots { result.append(buckets[Int(slot.bucket)].entries[Int(slot.index)].peer) }
    }
}
