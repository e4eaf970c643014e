import CairnDHT
import CairnStorage
import CairnWire

/// Finding the addresses of a file's holders: from the placement records, then the routing table (fresher),
/// then one DHT lookup per holder still unknown. Answered with `.holdersResolved` once every lookup ended.
struct ResolveOperation: Sendable {
    var found: [PeerID: PeerInfo]
    var pending = 0
}

/// Asking every holder of a file which of its shards it has: one `holds` request per
/// `StorageRequest.maxProbedShards` shards, a holder's requests one after another, 5 s each; a holder that
/// does not answer (or has no address) counts as unreachable. No shard is read.
struct ProbeOperation: Sendable {
    static let timeout: Duration = .seconds(5)

    struct Holder: Sendable {
        var info: PeerInfo
        var ids: [ShardID]
        /// The shards of the request in flight.
        var asked = 0..<0
    }

    var holders: [PeerID: Holder] = [:]
    var held: [PeerID: Set<ShardID>] = [:]
    var unreachable: Set<PeerID> = []
    var pending = 0

    /// Probes the holders of `layout` at the `addresses` known; returns the first requests.
    init(layout: PlacedFile, addresses: [PeerID: PeerInfo]) {
        let wanted = Set(layout.segments.flatMap(\.holders))
        unreachable = wanted.filter { addresses[$0] == nil }
        for holder in wanted {
            guard let info = addresses[holder] else { continue }
            holders[holder] = Holder(info: info, ids: layout.shardIDs(heldBy: holder))
            held[holder] = []
        }
        pending = holders.count
    }

    /// The next request of `holder`, or nil when it has answered for every shard.
    mutating func nextRequest(of holder: PeerID) -> (StorageRequest, PeerInfo)? {
        guard var entry = holders[holder], entry.asked.upperBound < entry.ids.count else { return nil }
        let start = entry.asked.upperBound
        entry.asked = start..<min(entry.ids.count, start + StorageRequest.maxProbedShards)
        holders[holder] = entry
        return (.holds(ids: Array(entry.ids[entry.asked])), entry.info)
    }

    /// `holder` answered its last request with `response` (nil: it failed): returns its next request, if any.
    mutating func answered(_ holder: PeerID, response: Response?) -> (StorageRequest, PeerInfo)? {
        guard let entry = holders[holder] else { return nil }
        let chunk = entry.ids[entry.asked]
        guard case .storage(.holding(let flags))? = response, flags.count == chunk.count else {
            holders[holder] = nil
            held[holder] = nil
            unreachable.insert(holder)
            pending -= 1
            return nil
        }
        for (id, flag) in zip(chunk, flags) where flag { held[holder, default: []].insert(id) }
        if let next = nextRequest(of: holder) { return next }
        holders[holder] = nil
        pending -= 1
        return nil
    }
}
