import CairnWire

extension DHTNode {
    /// After a refresh query's self lookup: one lookup at a time for a pseudo-random key in each bucket to
    /// refresh. A join refreshes every bucket farther than the closest neighbour (the self lookup covered the
    /// nearer ones) and skips those that filled up meanwhile.
    mutating func continueRefresh(_ query: inout QueryState, join: Bool, now: Instant) -> Bool {
        guard case .refreshing(var buckets) = query.phase else { return false }
        if join, query.lookup.target == localPeer.id {
            buckets = Array(0..<(routingTable.closestNeighbourBucket ?? 0))
        }
        while let bucket = buckets.popLast() {
            if join, routingTable.count(inBucket: bucket) >= routingTable.bucketSize { continue }
            query.earlierMessages += query.lookup.messagesSent
            query.earlierFailures += query.lookup.failures
            query.lookup = makeLookup(target: refreshTarget(inBucket: bucket), now: now)
            query.lookupRequest = .findNode(target: query.lookup.target)
            query.phase = .refreshing(buckets: buckets)
            return advance(&query, now: now)
        }
        finish(query, .bootstrapped(peersKnown: routingTable.count), now: now)
        return false
    }

    /// A key sharing exactly `bucket` leading bits with the local ID; the other bits come from a counter
    /// mixed by SplitMix64, so that the machine needs no random source and a simulation replays exactly.
    mutating func refreshTarget(inBucket bucket: Int) -> Key256 {
        refreshCounter += 1
        var state = localPeer.id.w0 ^ localPeer.id.w3 ^ (refreshCounter &* 0x9E37_79B9_7F4A_7C15)
        var words: [UInt64] = (0..<4).map { _ in Self.splitMix(&state) }
        let word = bucket / 64
        let bit: UInt64 = 1 << UInt64(63 - bucket % 64)
        for w in 0..<word { words[w] = 0 }
        words[word] = (words[word] & (bit &- 1)) | bit
        let distance = Key256(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
        return localPeer.id.distance(to: distance)
    }

    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
