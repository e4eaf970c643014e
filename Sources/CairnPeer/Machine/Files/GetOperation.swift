import CairnStorage
import CairnWire
import NIOCore

/// One get, from the reader's side, as a machine with no I/O (DESIGN.md §1, §5): the `GetPlanner` decides
/// which holder to ask for which shard, when to hedge and when a segment cannot be had; this sends the
/// requests (20 s each), arms the hedge timers and hands k shards of each segment to the driver when it asks.
///
/// Decoding and verifying stay with the driver (`SegmentDecoder`): they are the heavy work, and run off the
/// event loop; a shard that fails verification comes back (`corrupt`) and is replaced.
///
/// A checked get (`GetOrder.check`) also decides when the file is worth answering for: it probes the holders
/// of a file of several segments while the first is fetched, answers `.getStarted` only once the others have
/// k shards each, and explains a segment that cannot be had by what the probe found.
struct GetOperation: OwnerOperation {
    let id: CommandID
    let holders: [PeerID: PeerInfo]
    let shardIDs: [[ShardID]]
    let layout: PlacedFile
    let check: Bool
    var planner: GetPlanner
    /// The holders' answers to a check's probe: nil before it is sent, pending until every holder answered.
    var probe: ProbeOperation?
    /// True until `.getStarted` (or the check's failure) is delivered.
    var starting = true
    /// The instant of the event being handled (set by `RunningPeer` before every call).
    var now: Instant = .zero
    /// Shard bytes per segment in the window, by slot.
    var shards: [Int: [Int: ByteBuffer]] = [:]
    /// Segments whose k shards are in, with their slots.
    var ready: [Int: [Int]] = [:]
    /// Segments that cannot be had, with why.
    var failed: [Int: String] = [:]
    /// The command waiting for a segment, and which.
    var waiting: (command: CommandID, segment: Int)?
    var effects: [OwnerEffect] = []

    /// How long one holder may take to send one shard.
    static let fetchTimeout: Duration = .seconds(20)

    init(id: CommandID, order: GetOrder, holders: [PeerID: PeerInfo]) {
        self.id = id
        self.holders = holders
        layout = order.layout
        check = order.check
        shardIDs = order.layout.segments.map(\.shardIDs)
        planner = GetPlanner(
            holders: order.layout.segments.map(\.holders), k: order.layout.parameters.k, segments: order.segments,
            reachable: Set(holders.keys), suspects: order.suspects)
    }

    /// Starts fetching; a checked get of a file of several segments probes its holders meanwhile and answers
    /// once they have.
    mutating func start() {
        if check && layout.segments.count > 1 {
            startProbe()
        } else {
            started()
        }
        carryOut(planner.start(now: now))
    }

    private mutating func started() {
        starting = false
        effects.append(.deliver(id, .getStarted(GetStart(holders: holders, suspects: planner.suspects))))
    }

    private mutating func startProbe() {
        var probe = ProbeOperation(layout: layout, addresses: holders)
        var requests: [(StorageRequest, PeerInfo)] = []
        for holder in probe.holders.keys.sorted() {
            if let request = probe.nextRequest(of: holder) { requests.append(request) } else { probe.pending -= 1 }
        }
        self.probe = probe
        for (request, peer) in requests { sendProbe(request, to: peer) }
        probeSettledIfDone()
    }

    private mutating func sendProbe(_ request: StorageRequest, to peer: PeerInfo) {
        effects.append(.send(request, to: peer, .probe(holder: peer.id), timeout: ProbeOperation.timeout))
    }

    /// `holder` answered the check's probe (nil: it failed).
    mutating func probeAnswered(_ holder: PeerID, response: Response?) {
        guard probe != nil else { return }
        if let (request, peer) = probe!.answered(holder, response: response) { return sendProbe(request, to: peer) }
        probeSettledIfDone()
    }

    private var availability: ShardAvailability? {
        guard let probe, probe.pending == 0 else { return nil }
        return ShardAvailability(held: probe.held, unreachable: probe.unreachable)
    }

    private mutating func probeSettledIfDone() {
        guard let availability else { return }
        planner.suspect(availability.unreachable)
        if starting {
            // The first wanted segment is being fetched: its own failure is explained when it comes.
            if let short = availability.firstShortSegment(of: layout, after: planner.firstSegment ?? -1) {
                starting = false
                effects.append(.deliver(id, .fileFailed(.unavailable(segment: short.segment, reason: short.reason))))
                return effects.append(.finished)
            }
            started()
        }
        if let waiting { deliverIfSettled(waiting.segment) }
    }

    /// The driver asks for `segment`, done with every segment before it.
    mutating func request(_ segment: Int, command: CommandID) {
        waiting = (command, segment)
        carryOut(planner.consumed(before: segment, now: now))
        shards = shards.filter { planner.isActive($0.key) }
        ready = ready.filter { planner.isActive($0.key) }
        guard planner.isActive(segment) || failed[segment] != nil else {
            waiting = nil
            return effects.append(
                .deliver(
                    command,
                    .fileFailed(
                        .invalidRequest(
                            "segment \(segment) is not one this get fetches, or was asked for out of order"))))
        }
        deliverIfSettled(segment)
    }

    /// Shard `slot` of `segment` did not verify: another is fetched, and the segment handed over again.
    mutating func corrupt(segment: Int, slot: Int, command: CommandID) {
        waiting = (command, segment)
        ready[segment] = nil
        shards[segment]?[slot] = nil
        carryOut(planner.corrupt(segment: segment, slot: slot, now: now))
        deliverIfSettled(segment)
    }

    mutating func fetchAnswered(segment: Int, slot: Int, response: Response?, reason: String?) {
        let actions: [GetPlanner.Action]
        switch response {
        case .storage(.shard(let bytes))?:
            guard planner.isActive(segment) else { return }
            shards[segment, default: [:]][slot] = bytes
            actions = planner.fetched(segment: segment, slot: slot, now: now)
        case .error(let remote)?:
            actions = planner.failed(segment: segment, slot: slot, reason: "\(remote)", now: now)
        case .some:
            actions = planner.failed(segment: segment, slot: slot, reason: "an unexpected answer", now: now)
        case nil:
            actions = planner.failed(segment: segment, slot: slot, reason: reason ?? "no answer", now: now)
        }
        carryOut(actions)
    }

    mutating func timerFired(_ timer: OwnerTimer) {
        guard case .hedge(let segment) = timer else { return }
        carryOut(planner.hedgeFired(segment: segment, now: now))
    }

    private mutating func carryOut(_ actions: [GetPlanner.Action]) {
        for action in actions {
            switch action {
            case .fetch(let segment, let slot, let holder):
                guard let info = holders[holder] else { continue }
                effects.append(
                    .send(
                        .getShard(id: shardIDs[segment][slot]), to: info,
                        .fetch(segment: segment, slot: slot), timeout: Self.fetchTimeout))
            case .armHedge(let segment, let instant):
                effects.append(.arm(.hedge(segment: segment), at: instant))
            case .ready(let segment, let slots):
                ready[segment] = slots
                deliverIfSettled(segment)
            case .fail(let segment, let reason):
                failed[segment] = reason
                deliverIfSettled(segment)
            }
        }
    }

    private mutating func deliverIfSettled(_ segment: Int) {
        guard let waiting, waiting.segment == segment else { return }
        if var reason = failed[segment] {
            var segment = segment
            if check {
                // The failed requests only say which holders did not answer; the probe says why k are missing.
                guard let availability else {
                    // Answered from `probeSettledIfDone` once the holders have.
                    if probe == nil { startProbe() }
                    return
                }
                if let short = availability.firstShortSegment(of: layout) { (segment, reason) = short }
            }
            self.waiting = nil
            return effects.append(
                .deliver(waiting.command, .fileFailed(.unavailable(segment: segment, reason: reason))))
        }
        guard let slots = ready[segment], let held = shards[segment] else { return }
        let bytes = slots.compactMap { held[$0] }
        guard bytes.count == slots.count else { return }
        self.waiting = nil
        effects.append(
            .deliver(
                waiting.command,
                .segmentShards(
                    SegmentShards(
                        segment: segment, slots: slots,
                        shards: bytes))))
    }
}
