import CairnWire

/// One iterative Kademlia lookup as a pure iterator (rust-libp2p `query/peers/closest.rs`): the node asks
/// `next(now:)` whom to contact and reports each answer with `onSuccess` or `onFailure`.
///
/// Candidates are kept sorted by XOR distance to the target. At most `alpha` requests are in flight, and
/// only among the `k` closest candidates that have not failed. The lookup finishes only when those `k` have
/// all answered (or when no candidate is left to try), so its result is the k closest peers it could reach.
///
/// Once `alpha` answers in a row have brought no peer closer than the closest known, the lookup has stalled
/// and asks every remaining one of the k closest at once (Maymounkov and Mazières, "Kademlia", 2002, §2.3; the
/// `Stalled` state of libp2p's iterator): they must all answer before it finishes anyway, so this costs no
/// message and saves the rounds that asking them `alpha` at a time would take (three on a ten-peer network).
///
/// Unlike libp2p, which also asks peers beyond the k closest while some of those are still waiting, a peer
/// outside the k closest is asked only once a failure moves it inside: it could only matter then, and the
/// simulator's 10,000 joins would otherwise pay for it in messages.
public struct ClosestPeersLookup: Sendable {
    /// Where a candidate stands in this lookup.
    public enum PeerState: Hashable, Sendable {
        case notContacted
        case waiting
        case succeeded
        case failed
    }

    /// A peer the lookup knows of.
    public struct Candidate: Hashable, Sendable {
        public var peer: PeerInfo
        public var state: PeerState
        /// 1 for peers seeded from the local routing table, d + 1 for one first learned from a depth-d peer.
        public var depth: Int
    }

    /// What to do next.
    public enum Step: Hashable, Sendable {
        /// Send the lookup's request to this peer (it is now `waiting`).
        case contact(PeerInfo)
        /// Wait for a response or failure: `parallelism` requests are in flight, or nothing else is worth asking yet.
        case waiting
        case finished
    }

    /// The key whose closest peers are sought.
    public let target: Key256
    /// Never a candidate.
    public let localID: PeerID?
    /// How many of the closest must answer before the lookup finishes, and how many it returns.
    public let k: Int
    /// Most requests in flight.
    public let alpha: Int
    /// Sorted by distance to `target` (computed when compared: the list stays small and dense); distances are
    /// unique because XOR with the target is a bijection.
    public private(set) var candidates: [Candidate]
    /// Candidates `waiting`.
    public private(set) var inFlight: Int
    /// Contacts handed out by `next(now:)`.
    public private(set) var messagesSent: Int
    /// Contacts reported with `onFailure`.
    public private(set) var failures: Int
    /// Answers in a row that brought no peer closer than the closest known; `alpha` of them stall the lookup.
    public private(set) var answersWithoutProgress = 0
    /// Requests allowed in flight: `alpha`, or `k` once stalled.
    public var parallelism: Int { answersWithoutProgress >= alpha ? Swift.max(k, alpha) : alpha }
    public private(set) var isFinished: Bool
    /// When `next(now:)` first reported `.finished`.
    public private(set) var finishedAt: Instant?

    /// `seeds` are the peers the local routing table knows closest to the target; the local peer is never
    /// a candidate.
    public init(target: Key256, seeds: [PeerInfo], k: Int, alpha: Int, localID: PeerID? = nil) {
        precondition(k > 0 && alpha > 0, "a lookup needs k > 0 and alpha > 0")
        self.target = target
        self.localID = localID
        self.k = k
        self.alpha = alpha
        self.candidates = []
        self.inFlight = 0
        self.messagesSent = 0
        self.failures = 0
        self.isFinished = false
        self.finishedAt = nil
        candidates.reserveCapacity(Swift.max(seeds.count, k) * 2)
        insert(seeds, depth: 1)
    }

    /// The next step: a peer to contact (now `waiting`), a wait, or the finish (final once reported).
    public mutating func next(now: Instant) -> Step {
        if isFinished { return .finished }
        var considered = 0
        var allSucceeded = true
        for i in candidates.indices {
            switch candidates[i].state {
            case .failed:
                continue
            case .succeeded:
                break
            case .waiting:
                allSucceeded = false
            case .notContacted:
                guard inFlight < parallelism else { return .waiting }
                candidates[i].state = .waiting
                inFlight += 1
                messagesSent += 1
                return .contact(candidates[i].peer)
            }
            considered += 1
            if considered == k { break }
        }
        // Here every one of the first k non-failed candidates (or all of them, if fewer) has been contacted.
        if (considered == k && allSucceeded) || inFlight == 0 {
            isFinished = true
            finishedAt = now
            return .finished
        }
        return .waiting
    }

    /// `peer` answered, naming `closer` peers. Unknown peers and answers after the finish are ignored.
    public mutating func onSuccess(_ peer: PeerID, closer: [PeerInfo]) {
        guard !isFinished, let i = index(of: peer), candidates[i].state == .waiting else { return }
        candidates[i].state = .succeeded
        inFlight -= 1
        let closest = candidates[0].peer.id
        insert(closer, depth: candidates[i].depth + 1)
        answersWithoutProgress = candidates[0].peer.id == closest ? answersWithoutProgress + 1 : 0
    }

    /// The request to `peer` timed out, was refused or got a useless answer.
    public mutating func onFailure(_ peer: PeerID) {
        guard !isFinished, let i = index(of: peer), candidates[i].state == .waiting else { return }
        candidates[i].state = .failed
        inFlight -= 1
        failures += 1
    }

    /// The closest peers that answered, at most k, nearest first. Final once `isFinished`.
    public var closestSucceeded: [Candidate] {
        var out: [Candidate] = []
        out.reserveCapacity(k)
        for candidate in candidates where candidate.state == .succeeded {
            out.append(candidate)
            if out.count == k { break }
        }
        return out
    }

    /// The results' peers, nearest first.
    public var results: [PeerInfo] { closestSucceeded.map(\.peer) }

    /// Deepest discovery depth among the results (0 when there are none).
    public var hops: Int { closestSucceeded.reduce(0) { Swift.max($0, $1.depth) } }

    /// The candidate's state; nil for peers the lookup never heard of.
    public func state(of peer: PeerID) -> PeerState? {
        index(of: peer).map { candidates[$0].state }
    }

    /// The candidate's discovery depth; nil for peers the lookup never heard of.
    public func depth(of peer: PeerID) -> Int? {
        index(of: peer).map { candidates[$0].depth }
    }

    private func position(of distance: Key256) -> (index: Int, found: Bool) {
        var lo = 0
        var hi = candidates.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if candidates[mid].peer.id.distance(to: target) < distance { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < candidates.count && candidates[lo].peer.id == distance.distance(to: target))
    }

    private func index(of peer: PeerID) -> Int? {
        let (i, found) = position(of: peer.distance(to: target))
        return found ? i : nil
    }

    /// Adds the peers not yet known (but never the local one) as `notContacted` candidates.
    ///
    /// They are merged in one pass: a lookup gathers a hundred or more candidates, and inserting an answer's
    /// 20 peers one at a time shifted the list's tail once for each.
    private mutating func insert(_ peers: [PeerInfo], depth: Int) {
        // Distances with the peer's place in `peers`: plain values, so sorting and dropping them costs no
        // reference counting.
        var fresh: [(distance: Key256, order: Int)] = []
        for (order, peer) in peers.enumerated() where peer.id != localID {
            let distance = peer.id.distance(to: target)
            if !position(of: distance).found { fresh.append((distance, order)) }
        }
        guard !fresh.isEmpty else { return }
        // Distances are unique per peer, so equal ones are a peer listed twice: the first listing is kept.
        fresh.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.order < $1.order }
        // The candidates from the first new one's place on are moved out, farthest first, and moved back in
        // merged with the new ones.
        let start = position(of: fresh[0].distance).index
        var tail: [Candidate] = []
        tail.reserveCapacity(candidates.count - start)
        while candidates.count > start { tail.append(candidates.removeLast()) }
        candidates.reserveCapacity(start + tail.count + fresh.count)
        var j = 0
        while j < fresh.count {
            if j > 0, fresh[j].distance == fresh[j - 1].distance {
                j += 1
            } else if !tail.isEmpty, tail[tail.count - 1].peer.id.distance(to: target) < fresh[j].distance {
                candidates.append(tail.removeLast())
            } else {
                candidates.append(Candidate(peer: peers[fresh[j].order], state: .notContacted, depth: depth))
                j += 1
            }
        }
        while let next = tail.popLast() { candidates.append(next) }
    }
}
