import CairnWire

/// How a keeper merges the placement records of a file it is sent with those it keeps.
enum PlacementMerge {
    /// Per holder and set of positions, the newest record not expired at `now` (a holder of very many shards
    /// signs several records, one per confirmation; a repair adds a newer one for the positions it moved, and
    /// readers let the newest record of each position win). Sorted by holder, then issue time, so that the kept
    /// list does not depend on arrival order.
    ///
    /// Every record was checked when it arrived (current, and signed by its holder unless the file's owner sent
    /// it: `ProviderMachine.mergeLoaded`) — a list with one invalid record is refused, and only checked lists
    /// are ever written — so only expiry is looked at here: checking the 2n signatures of a merge again would
    /// cost about 130 µs each on the machine's thread, per keeper and per file put.
    static func merge(kept: [PlacementRecord], incoming: [PlacementRecord], now: Instant) -> [PlacementRecord] {
        struct Key: Hashable {
            var holder: PeerID
            var entries: [PlacementRecord.Entry]
        }
        var newest: [Key: PlacementRecord] = [:]
        for record in kept + incoming where record.expires > now {
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
