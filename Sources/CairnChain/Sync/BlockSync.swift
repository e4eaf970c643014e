import CairnCrypto

/// Catch-up for a peer that is behind (DESIGN.md §6; issue 8 item 4): committed blocks are asked for in
/// consecutive ranges from several peers at once, several ranges in flight, and handed back strictly in
/// height order for the host to verify (each block's commit) and apply. A chain that fetches one block per
/// round trip manages 2–100 blocks a second; a pipeline of ranges is bounded by verification instead.
///
/// Pure bookkeeping: the host sends the requests `nextRequests()` plans, reports answers and failures, and
/// says which blocks it applied or rejected. A peer that served a block that does not verify is dropped from
/// the sync (`rejected(height:)`), and its ranges go to others.
public struct BlockSync<Block: Sendable>: Sendable {
    public struct Config: Sendable, Hashable {
        /// Blocks asked for in one request (the answer may bring fewer: the server bounds it by bytes).
        public var rangeSize: Int
        /// Requests in flight at once, over all peers.
        public var maxInFlight: Int
        /// Requests in flight to one peer.
        public var maxInFlightPerPeer: Int
        /// Blocks received but not yet applied, at most: a bound on the memory a sync holds.
        public var maxBuffered: Int

        public init(rangeSize: Int = 256, maxInFlight: Int = 8, maxInFlightPerPeer: Int = 2, maxBuffered: Int = 4096) {
            self.rangeSize = max(1, rangeSize)
            self.maxInFlight = max(1, maxInFlight)
            self.maxInFlightPerPeer = max(1, maxInFlightPerPeer)
            self.maxBuffered = max(self.rangeSize, maxBuffered)
        }
    }

    /// A request to send: `count` blocks from height `from`, to `peer`.
    public struct Request: Hashable, Sendable {
        public var peer: PeerID
        public var from: Height
        public var count: Int
    }

    public let config: Config
    /// The height the host will apply next (its committed height + 1).
    public private(set) var nextHeight: Height
    /// Committed heights that peers reported (`status` announcements).
    private var peerHeights: [PeerID: Height] = [:]
    /// Ranges asked for and not answered yet, by first height.
    private var inFlight: [Height: Request] = [:]
    /// Blocks received ahead of `nextHeight`, with the peer that served each.
    private var buffered: [Height: (block: Block, peer: PeerID)] = [:]
    /// Peers that served a block that did not verify: never asked again.
    private var banned: Set<PeerID> = []
    /// Requests failed since each peer last answered: a peer that fails is asked after the others.
    private var failures: [PeerID: Int] = [:]

    public init(committedHeight: Height, config: Config = Config()) {
        self.config = config
        self.nextHeight = committedHeight + 1
    }

    /// The highest committed height any usable peer reported.
    public var bestKnownHeight: Height {
        peerHeights.values.max() ?? 0
    }

    /// True while some usable peer is ahead of this one.
    public var isBehind: Bool { bestKnownHeight >= nextHeight }

    /// Peers whose reported height is at least this peer's committed height.
    public var peersInSync: Int {
        peerHeights.values.filter { $0 + 1 >= nextHeight }.count
    }

    /// The highest committed height `peer` reported and still stands by (0 when unknown).
    public func reportedHeight(of peer: PeerID) -> Height { peerHeights[peer] ?? 0 }

    /// `peer` says it has committed up to `height`.
    public mutating func peerReported(_ peer: PeerID, height: Height) {
        guard !banned.contains(peer) else { return }
        peerHeights[peer] = max(peerHeights[peer] ?? 0, height)
    }

    /// `peer` is gone (disconnected, left): its ranges in flight are asked of others.
    public mutating func peerLost(_ peer: PeerID) {
        peerHeights[peer] = nil
        failures[peer] = nil
        inFlight = inFlight.filter { $0.value.peer != peer }
    }

    /// The requests to send now to fill the pipeline: the lowest missing ranges, each to a peer that is ahead
    /// far enough — the one with the fewest requests in flight, then the fewest recent failures, then the lowest
    /// PeerID, so the plan is deterministic — and no further than that peer's height.
    public mutating func nextRequests() -> [Request] {
        // Every status that arrives asks for a plan; most find no peer ahead and cost nothing more.
        guard isBehind, inFlight.count < config.maxInFlight else { return [] }
        var planned: [Request] = []
        var cursor = nextHeight
        let limit = nextHeight + Height(config.maxBuffered)
        while inFlight.count < config.maxInFlight, cursor < limit {
            if let request = inFlight[cursor] {
                cursor = request.from + Height(request.count)
                continue
            }
            if buffered[cursor] != nil {
                cursor += 1
                continue
            }
            guard let peer = chooseServer(for: cursor), let serverHeight = peerHeights[peer] else { break }
            var count = 1
            while count < config.rangeSize, cursor + Height(count) < limit, cursor + Height(count) <= serverHeight,
                inFlight[cursor + Height(count)] == nil, buffered[cursor + Height(count)] == nil
            {
                count += 1
            }
            let request = Request(peer: peer, from: cursor, count: count)
            inFlight[cursor] = request
            planned.append(request)
            cursor += Height(count)
        }
        return planned
    }

    private func chooseServer(for height: Height) -> PeerID? {
        var load: [PeerID: Int] = [:]
        for request in inFlight.values { load[request.peer, default: 0] += 1 }
        // One pass, no filtered copy of the table: this runs for every range planned.
        var best: (peer: PeerID, load: Int, failed: Int)?
        for (peer, reported) in peerHeights where reported >= height {
            let busy = load[peer, default: 0]
            guard busy < config.maxInFlightPerPeer else { continue }
            let failed = failures[peer, default: 0]
            if let current = best,
                (current.load, current.failed, current.peer) <= (busy, failed, peer) { continue }
            best = (peer, busy, failed)
        }
        return best?.peer
    }

    /// The answer to the request for the range starting at `from`: consecutive blocks from `from` (possibly
    /// fewer than asked; none means the peer has none there, and it is not asked for that range again until it
    /// reports a new height).
    public mutating func received(from: Height, blocks: [Block]) {
        guard let request = inFlight.removeValue(forKey: from) else { return }
        failures[request.peer] = nil
        if blocks.isEmpty {
            // The peer claimed a height it cannot serve: believe its blocks, not its status.
            peerHeights[request.peer] = from > 0 ? min(peerHeights[request.peer] ?? 0, from - 1) : 0
            return
        }
        for (offset, block) in blocks.prefix(request.count).enumerated() {
            let height = from + Height(offset)
            if height >= nextHeight, buffered[height] == nil { buffered[height] = (block, request.peer) }
        }
    }

    /// The request for the range starting at `from` failed (timeout, connection lost): it is asked again,
    /// of another peer if there is one.
    public mutating func failed(from: Height) {
        guard let request = inFlight.removeValue(forKey: from) else { return }
        // One failure does not ban a peer, but it is asked after the others until it answers again.
        failures[request.peer, default: 0] += 1
    }

    /// The next block to apply, if it has arrived; the host verifies it and calls `applied` or `rejected`.
    public func peekNext() -> Block? {
        buffered[nextHeight]?.block
    }

    /// The block at `nextHeight` verified and is applied (or the host committed it by consensus).
    public mutating func applied(height: Height) {
        guard height >= nextHeight else { return }
        for skipped in nextHeight...height { buffered[skipped] = nil }
        nextHeight = height + 1
    }

    /// The block at `height` did not verify: the peer that served it is banned from this sync and every block it
    /// served is dropped, to be asked of others.
    public mutating func rejected(height: Height) {
        guard let culprit = buffered[height]?.peer else { return }
        banned.insert(culprit)
        peerHeights[culprit] = nil
        buffered = buffered.filter { $0.value.peer != culprit }
        inFlight = inFlight.filter { $0.value.peer != culprit }
    }

    /// Whether `peer` was banned for serving a block that did not verify.
    public func isBanned(_ peer: PeerID) -> Bool { banned.contains(peer) }
}
