import CairnPeer
import CairnStorage
import CairnWire

/// `cairn check ID [--verify]` / `GET /api/v0/files/{id}/check` (issue 7, item 5).
public struct CheckReport: Codable, Sendable {
    /// One slot on one holder (a slot spread over several providers appears once per holder).
    public struct Slot: Codable, Sendable, Hashable {
        public var index: Int
        /// 64 hex, or empty when no record names a holder.
        public var holder: String
        public var state: PositionState
        /// Shards of this slot on this holder, and how many of them are healthy.
        public var shards: Int
        public var healthy: Int
    }

    public var id: String
    public var k: Int
    public var n: Int
    public var segments: Int
    /// The fewest healthy shards of any segment: the file is readable while this is at least k.
    public var healthyMin: Int
    public var verified: Bool
    public var slots: [Slot]

    enum CodingKeys: String, CodingKey {
        case id, k, n, segments, verified, slots
        case healthyMin = "healthy_min"
    }
}

extension FileService {
    /// Asks every holder of `fileID` which shards it has and, with `verify`, challenges it for a random leaf of
    /// each (a proof of storage checked against the descriptor's slot roots). Needs no key: any peer may check.
    public func check(_ fileID: Key256, verify: Bool) async throws -> CheckReport {
        let layout = try await layout(of: fileID)
        let states = try await positionStates(layout, verify: verify).states
        return Self.report(layout, states: states, verified: verify)
    }

    /// The state of every position (segment, slot), and the holders' addresses as found.
    func positionStates(_ layout: PlacedFile, verify: Bool) async throws
        -> (states: [[PositionState]], holders: [PeerID: PeerInfo])
    {
        let holders = try await resolveHolders(of: layout)
        let availability = await probe(layout, holders: holders)
        var states = layout.segments.map { segment in
            segment.holders.indices.map { slot -> PositionState in
                let holder = segment.holders[slot]
                guard holder != .zero, let held = availability.held[holder] else { return .missing }
                return held.contains(segment.shardIDs[slot]) ? .healthy : .missing
            }
        }
        guard verify else { return (states, holders) }
        // The leaves are drawn here: the machine reads no random source.
        let challenges = states.indices.flatMap { segment in
            states[segment].indices.filter { states[segment][$0] == .healthy }.map { slot in
                let shardLength = layout.descriptor.shardLength(ofSegment: segment)
                return StorageChallenge(
                    slot: slot, segment: segment,
                    leaf: Int.random(in: 0..<ShardCommitment.leafCount(shardLength: shardLength)))
            }
        }
        let order = AuditOrder(layout: layout, holders: holders, challenges: challenges)
        let result = try await peer.perform(.audit(order))
        guard case .audited(let failed) = result else { throw Self.error(from: result, "an audit") }
        for challenge in failed { states[challenge.segment][challenge.slot] = .failed }
        return (states, holders)
    }

    static func report(_ layout: PlacedFile, states: [[PositionState]], verified: Bool) -> CheckReport {
        struct Key: Hashable {
            var slot: Int
            var holder: PeerID
        }
        var slots: [Key: CheckReport.Slot] = [:]
        for (segment, row) in states.enumerated() {
            for (slot, state) in row.enumerated() {
                let holder = layout.segments[segment].holders[slot]
                let key = Key(slot: slot, holder: holder)
                var entry = slots[key] ?? CheckReport.Slot(
                    index: slot, holder: holder == .zero ? "" : holder.hex, state: .healthy, shards: 0, healthy: 0)
                entry.shards += 1
                if state == .healthy { entry.healthy += 1 }
                // The worst state of any of its shards: failed, then missing, then healthy.
                if state == .failed || (state == .missing && entry.state == .healthy) { entry.state = state }
                slots[key] = entry
            }
        }
        let healthyMin = states.map { $0.filter { $0 == .healthy }.count }.min() ?? layout.parameters.n
        return CheckReport(
            id: layout.fileID.hex, k: layout.parameters.k, n: layout.parameters.n, segments: states.count,
            healthyMin: healthyMin, verified: verified,
            slots: slots.values.sorted { ($0.index, $0.holder) < ($1.index, $1.holder) })
    }
}
