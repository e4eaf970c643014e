import CairnWire

extension RoutingTable {
    /// The `count` known peers closest to `key` by XOR distance, nearest first, without sorting the table.
    ///
    /// With h = commonPrefixLength(localID, key), a peer in bucket i is at a distance whose leading bit is:
    /// - beyond h when i == h (it agrees with the key on bits 0...h): the nearest group;
    /// - exactly h when i > h (it agrees with the local ID, hence differs from the key, at bit h): next;
    /// - exactly i when i < h: each lower bucket is farther than the one above it.
    /// So buckets are visited in that order and only within a group are distances compared. Buckets above h
    /// come first in the layout, so the second group is one contiguous run.
    public func closest(to key: Key256, count wanted: Int, excluding excluded: PeerID? = nil) -> [PeerInfo] {
        guard wanted > 0, count > 0 else { return [] }
        var result: [PeerInfo] = []
        result.reserveCapacity(Swift.min(wanted, count))
        var selection = NearestSelection(capacity: Swift.min(wanted, count))
        let home = localID.commonPrefixLength(with: key)
        withEntries { entries, tags in
            var below = bucketCount - 1
            if home < bucketCount {
                let nearest = span(home)
                selection.take(nearest, of: entries, tags, key: key, excluding: excluded, into: &result,
                               wanted: wanted)
                if result.count < wanted {
                    selection.take(0..<nearest.lowerBound, of: entries, tags, key: key, excluding: excluded,
                                   into: &result, wanted: wanted)
                }
                below = home - 1
            }
            while result.count < wanted, below >= 0 {
                selection.take(span(below), of: entries, tags, key: key, excluding: excluded, into: &result,
                               wanted: wanted)
                below -= 1
            }
        }
        return result
    }
}

/// The nearest few of a group of entries, kept sorted by insertion: a group holds at most a few dozen.
struct NearestSelection {
    private struct Slot {
        var distance: Key256
        var index: Int
    }

    private var slots: [Slot]

    init(capacity: Int) {
        slots = []
        slots.reserveCapacity(capacity)
    }

    /// Appends to `result`, nearest first, the nearest of the entries at `range` it still needs.
    ///
    /// Once it holds as many as it needs, an entry whose distance's first word (from its tag's fingerprint)
    /// is already beyond the farthest kept is passed over without reading the entry itself.
    mutating func take(_ range: Range<Int>, of entries: UnsafeBufferPointer<RoutingTableEntry>,
                       _ tags: UnsafeBufferPointer<RoutingTable.Tag>, key: Key256, excluding excluded: PeerID?,
                       into result: inout [PeerInfo], wanted: Int) {
        let capacity = wanted - result.count
        guard capacity > 0, !range.isEmpty else { return }
        slots.removeAll(keepingCapacity: true)
        for i in range {
            if slots.count == capacity, tags[i].fingerprint ^ key.w0 > slots[capacity - 1].distance.w0 { continue }
            let id = entries[i].peer.id
            if id == excluded { continue }
            let d = id.distance(to: key)
            var j = slots.count
            if j == capacity {
                guard d < slots[j - 1].distance else { continue }
                j -= 1
            } else {
                slots.append(Slot(distance: d, index: i))
            }
            // Insertion sort step: the farther ones move up by one.
            while j > 0, d < slots[j - 1].distance {
                slots[j] = slots[j - 1]
                j -= 1
            }
            slots[j] = Slot(distance: d, index: i)
        }
        for slot in slots { result.append(entries[slot.index].peer) }
    }
}
