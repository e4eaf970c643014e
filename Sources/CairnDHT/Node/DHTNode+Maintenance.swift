import CairnWire

extension DHTNode {
    /// Periodic upkeep; the driver calls it every few seconds. Drops expired records, pings entries not
    /// heard from for `livenessInterval` (`questionableInterval` below the neighbourhood), refreshes buckets
    /// no lookup touched for `refreshInterval` (one refresh at a time, with a self lookup first), and stores
    /// this node's own records again every `republishInterval`.
    public mutating func tick(now: Instant) {
        records.removeExpired(now: now)
        pingSilentPeers(now: now)
        refreshStaleBuckets(now: now)
        republish(now: now)
    }

    mutating func pingSilentPeers(now: Instant) {
        let silent = routingTable.silentEntries(now: now)
        // One allocation for the whole round rather than a rehash at every doubling.
        pinging.reserveCapacity(pinging.count + silent.count)
        for entry in silent { ping(entry.peer) }
    }

    mutating func refreshStaleBuckets(now: Instant) {
        guard maintenanceRefresh == nil, let neighbour = routingTable.closestNeighbourBucket else { return }
        let stale = (0..<neighbour).filter { routingTable.lastRefreshed(bucket: $0) + config.refreshInterval <= now }
        guard !stale.isEmpty || lastSelfLookup + config.refreshInterval <= now else { return }
        maintenanceRefresh = start(.refresh(join: false), external: false, now: now, refreshing: stale)
    }

    mutating func republish(now: Instant) {
        let due = provided.filter { $0.value + config.republishInterval <= now }.keys.sorted()
        for key in due {
            provided[key] = now
            let record = ProviderRecord(key: key, identity: identity, addresses: [localPeer.address],
                                        expires: now + config.recordTTL)
            _ = start(.provide(record), external: false, now: now)
        }
        if let published = peerRecordPublished, published + config.republishInterval <= now {
            peerRecordPublished = now
            _ = start(.publishPeerRecord(ownRecord(now: now)), external: false, now: now)
        }
    }
}
