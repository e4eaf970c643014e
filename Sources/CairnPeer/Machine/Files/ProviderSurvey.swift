import CairnDHT
import CairnWire

/// Asking the peers nearest a key (this one included) how much room they have, with answers a few seconds old
/// taken from the cache instead (`OwnerOperations.capacities`), and how their clocks compare with this one's.
/// A put surveys before its first shard, a repair before placing rebuilt shards.
struct ProviderSurvey: Sendable {
    static let timeout: Duration = .seconds(5)

    let candidates: [PeerInfo]
    var answers: [ProviderCapacity?]
    var pending = 0

    /// `cached[i]`: the recent answer of `candidates[i]`, if any.
    init(candidates: [PeerInfo], cached: [ProviderCapacity?]) {
        self.candidates = candidates
        answers = cached
        pending = cached.filter { $0 == nil }.count
    }

    /// The candidates to ask, with their position.
    var requests: [(position: Int, candidate: PeerInfo)] {
        candidates.indices.filter { answers[$0] == nil }.map { ($0, candidates[$0]) }
    }

    var isDone: Bool { pending == 0 }

    /// Candidate `position`, asked at `sent`, answered `response` (nil: it failed) at `now`; returns the answer
    /// to cache, if any.
    mutating func answered(position: Int, sent: Instant, response: Response?, now: Instant, localPeer: PeerID)
        -> ProviderCapacity?
    {
        pending -= 1
        guard case .storage(.capacity(_, _, let free, let remote))? = response else { return nil }
        var entry = ProviderCapacity(free: free, clockOffset: nil, heard: now)
        if let remote, candidates[position].id != localPeer {
            var sample = ClockSkew()
            sample.add(sent: sent, received: now, remote: remote)
            entry.clockOffset = sample.offsets.first
        }
        answers[position] = entry
        return entry
    }

    /// The answering peers' clocks against this one's.
    var clocks: ClockSkew {
        var clocks = ClockSkew()
        for case let offset? in answers.map({ $0?.clockOffset }) { clocks.add(offset: offset) }
        return clocks
    }

    /// The candidates with at least `minimumFree` bytes free, nearest first.
    func ring(minimumFree: UInt64) -> [PeerInfo] {
        candidates.indices.filter { (answers[$0]?.free ?? 0) >= minimumFree }.map { candidates[$0] }
    }
}
