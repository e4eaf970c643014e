import CairnCrypto
import CairnWire

/// What `repair` will do, decided from a check's findings alone (pure): per segment, which k healthy shards
/// to rebuild from (data shards first: decoding from them is cheapest) and which positions to rebuild;
/// segments with fewer than k healthy shards cannot be repaired. Reed–Solomon over the ciphertext needs no
/// key (DESIGN.md §5).
public struct RepairPlan: Hashable, Sendable {
    public struct SegmentWork: Hashable, Sendable {
        public var segment: Int
        /// k slots to read.
        public var sources: [Int]
        /// Slots to rebuild and place anew.
        public var targets: [Int]
    }

    public var work: [SegmentWork]
    /// Segments with fewer than k healthy shards: lost unless a holder comes back.
    public var unrecoverable: [Int]

    /// `states[s][i]` is the state of shard i of segment s.
    public init(states: [[PositionState]], k: Int) {
        var work: [SegmentWork] = []
        var unrecoverable: [Int] = []
        for (segment, row) in states.enumerated() {
            let healthy = row.indices.filter { row[$0] == .healthy }
            let broken = row.indices.filter { row[$0] != .healthy }
            guard !broken.isEmpty else { continue }
            guard healthy.count >= k else {
                unrecoverable.append(segment)
                continue
            }
            work.append(SegmentWork(segment: segment, sources: Array(healthy.prefix(k)), targets: broken))
        }
        self.work = work
        self.unrecoverable = unrecoverable
    }

    public var isEmpty: Bool { work.isEmpty && unrecoverable.isEmpty }

    /// New holders for the `count` positions of one segment: candidates (nearest to the file first) that hold
    /// nothing of the segment, rotated by the segment so that repairs of a large file spread over providers.
    /// Fewer than `count` when there are not enough.
    public static func targets(count: Int, segment: Int, candidates: [PeerID], excluding: Set<PeerID>) -> [PeerID] {
        let usable = candidates.filter { !excluding.contains($0) }
        guard !usable.isEmpty else { return [] }
        let start = (segment * count) % usable.count
        return (0..<min(count, usable.count)).map { usable[(start + $0) % usable.count] }
    }
}
