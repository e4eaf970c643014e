import CairnWire

/// How a keeper merges the placement records of a file it is sent with those it keeps.
enum PlacementMerge {
    /// Per holder and set of positions, the newest record that is still valid at `now` (a holder of very many
    /// shards signs several records, one per confirmation; a repair adds a newer one for the positions it
    /// moved, and readers let the newest record of each position win). Sorted by holder, then issue time, so
    /// that the kept list does not depend on arrival order.
    static func merge(kept: [PlacementRecord], incoming: [PlacementRecord], now: Instant) -> [PlacementRecord] {
        struct Key: Hashable {
            var holder: PeerID
            var entries: [PlacementRecord.Entry]
        }
        var newest: [Key: PlacementRecord] = [:]
        for record in kept + incoming where record.isValid(now: now) {
            let key = Key(holder: record.holder, entries: record.entries)
            if let known = newest[key], known.issued >= record.issued { continue }
            newest[key] = record
        }
        return newest.values.sorted { a, b in
            if a.holder != b.holder { return a.holder < b.holder }
            if a.issued != b.issued { return a.issued < b.issued }
            return a.signature.lexicographicallyPrecedes(b.signature)
        }
    }
}
