import CairnDHT
import CairnStorage
import CairnWire
import NIOCore

/// One put, from the owner's side, as a machine with no I/O (DESIGN.md §1, §5). The driver encodes the file
/// (`PutPipeline`: encryption and erasure coding are heavy, and stay out of event handling) and feeds the
/// segments; this decides everything else:
///
/// 1. survey: ask the peers nearest the file nonce (this one included) for their room, with answers cached a
///    few seconds (`RunningPeer.capacities`); refuse a clock too far off the network's (the records this clock
///    signs would be refused after every shard was sent) and a ring smaller than n, before any byte is sent;
/// 2. place each segment's shards (`PutPlanner`: ring rotation, spares for refusals, the window of segments
///    in flight — the driver may feed the next segment only once this says so);
/// 3. once the last segment is fed, sign the descriptor, look up the peers closest to the file ID and store it
///    at n−k+1 of them with this peer's provider record, while the last shards are still on their way (the
///    descriptor names no holder, so it needs none of their answers); once every shard is placed, confirm the
///    shards to their holders (each order sent three times at most, 0.5 s and 1 s apart) and collect their
///    placement records, alongside the descriptor's storage (a confirmation needs only the file ID); once both
///    are done, store the records at the same keepers. With a market plan, the transaction that opens the
///    file's agreements is submitted right before the confirmations: a provider over its free allowance keeps
///    shards only under an agreement, and holds the confirmation until it commits (issue 9 item 2). Every
///    round on the way is a round trip and a disk sync at the far end, so overlapping two of them is what a
///    small file's put costs less by;
/// 4. on any failure, delete what was placed (and the records, once stored) before reporting it.
///
/// Commands are answered one at a time (the driver waits for each answer before the next command), so one
/// `waiter` slot suffices.
struct PutOperation: OwnerOperation {
    enum Phase: Sendable {
        case surveying
        /// Shards on their way; once the last segment is fed, the descriptor's publication alongside.
        case placing
        case confirming
        case storingPlacement
        /// Failed; waiting for the shard requests in flight before the cleanup.
        case draining
        case cleaningUp
        case over

        /// The descriptor's lookup and storage run in these phases.
        var isPublishing: Bool {
            switch self {
            case .placing, .confirming: true
            default: false
            }
        }
    }

    let id: CommandID
    let order: PutOrder
    let identity: Identity
    let localPeer: PeerInfo
    let clockTolerance: Duration
    /// With agreements: placed slot-stable on registered providers, and agreements opened once stored.
    let market: PutMarketPlan
    var phase = Phase.surveying
    /// The instant of the event being handled (set by `RunningPeer` before every call).
    var now: Instant = .zero
    /// The command waiting for this put's next answer.
    var waiter: CommandID?
    var effects: [OwnerEffect] = []

    // Survey.
    var survey = ProviderSurvey(candidates: [], cached: [])

    // Placement.
    var planner: PutPlanner?
    /// Shard bytes of the segments in flight.
    var shards: [Int: [ByteBuffer]] = [:]
    /// Shard requests sent and not yet answered.
    var shardRequests = 0
    var fileSize: UInt64 = 0
    var finishing = false

    // Publication.
    enum Publication: Sendable { case notStarted, lookingUp, storing, stored }
    var publication = Publication.notStarted
    var descriptor: Descriptor?
    var encodedDescriptor: [UInt8] = []
    var fileID: Key256?
    var keepers: [PeerInfo] = []
    var blobs = BlobRound()
    var confirmation = ConfirmRound()
    var placementBlob: [UInt8] = []

    // Agreements (with a market plan): opened before the confirmations, recorded for the summary.
    var agreementsRequested = false
    var agreementsTransaction: Key256?
    var agreementIDs: [Key256] = []
    /// The slots the opening transaction names, in its order.
    var agreementSlots: [UInt16] = []
    var agreementsNote: String?

    // Failure.
    var failure: FileFailure?
    var cleanupPending = 0
    var deleted = 0

    init(
        id: CommandID, order: PutOrder, identity: Identity, localPeer: PeerInfo, clockTolerance: Duration,
        market: PutMarketPlan = .none("no agreements: this network's chain has no storage market")
    ) {
        self.id = id
        self.order = order
        self.identity = identity
        self.localPeer = localPeer
        self.clockTolerance = clockTolerance
        self.market = market
    }

    /// Blob keepers per file: n−k+1, so that descriptor, placement and grants survive exactly the failures the
    /// shards survive (any n−k peers lost), and never fewer than 3.
    static func blobReplicas(for parameters: CodingParameters) -> Int {
        max(3, parameters.n - parameters.k + 1)
    }

    // MARK: - Survey

    /// Starts the survey of `candidates` (nearest the file nonce first); `cached` holds the recent answers.
    mutating func start(candidates: [PeerInfo], cached: [ProviderCapacity?]) {
        waiter = id
        survey = ProviderSurvey(candidates: candidates, cached: cached)
        for (position, candidate) in survey.requests {
            effects.append(
                .send(
                    .capacity, to: candidate, .capacity(position: position, sent: now),
                    timeout: ProviderSurvey.timeout))
        }
        if survey.isDone { surveyed() }
    }

    mutating func capacityAnswered(position: Int, sent: Instant, response: Response?) {
        guard case .surveying = phase else { return }
        if let entry = survey.answered(
            position: position, sent: sent, response: response, now: now, localPeer: localPeer.id)
        {
            effects.append(.rememberCapacity(survey.candidates[position].id, entry))
        }
        if survey.isDone { surveyed() }
    }

    private mutating func surveyed() {
        let clocks = survey.clocks
        if let offset = clocks.excessive(tolerance: clockTolerance) {
            return fail(.clockSkew(offset: offset, peers: clocks.offsets.count, tolerance: clockTolerance))
        }
        // A candidate must have room for at least one shard; one that fills up later refuses, and its shard
        // goes elsewhere.
        let ring = survey.ring(minimumFree: UInt64(order.parameters.maxShardLength))
        guard ring.count >= order.parameters.n else {
            return fail(.tooFewProviders(found: ring.count, needed: order.parameters.n))
        }
        let mode: PutPlanner.Mode
        if case .agreements = market { mode = .slotStable } else { mode = .ringPerSegment }
        planner = PutPlanner(ring: ring, n: order.parameters.n, mode: mode)
        phase = .placing
        answer(.putStarted)
    }

    // MARK: - Segments

    /// The driver's next segment; answered once the window has room for another.
    mutating func add(_ segment: PutSegment, command: CommandID) {
        waiter = command
        guard case .placing = phase, !finishing, var planner = self.planner else {
            return refuseCommand("a segment came after the put had finished or failed")
        }
        guard segment.index == planner.segmentCount, segment.shardIDs.count == order.parameters.n,
            segment.shards.count == order.parameters.n
        else {
            return fail(
                .invalidRequest(
                    "segment \(segment.index) is out of order or does not have "
                        + "\(order.parameters.n) shards"))
        }
        shards[segment.index] = segment.shards
        let actions = planner.add(segment: segment.index, shardIDs: segment.shardIDs)
        self.planner = planner
        carryOut(actions)
        if case .placing = phase, planner.hasRoom { answer(.putSegmentAccepted) }
    }

    /// The driver has fed every segment: `fileSize` plaintext bytes in all.
    mutating func finish(fileSize: UInt64, command: CommandID) {
        waiter = command
        guard case .placing = phase, !finishing else {
            return refuseCommand("the put was finished twice")
        }
        finishing = true
        self.fileSize = fileSize
        publish()
    }

    mutating func shardAnswered(segment: Int, slot: Int, provider: PeerID, response: Response?, reason: String?) {
        shardRequests -= 1
        if case .draining = phase, isDrained { return cleanUp() }
        guard case .placing = phase, var planner = self.planner else { return }
        let actions: [PutPlanner.Action]
        switch response {
        case .storage(.stored)?:
            actions = planner.stored(segment: segment, slot: slot, on: provider)
        case .error(let remote)?:
            effects.append(.forgetCapacity(provider))
            actions = planner.refused(
                segment: segment, slot: slot, by: provider, full: remote.code == .noCapacity,
                reason: "\(remote)")
        case .storage?, .dht?, .echo?, .chain?:
            effects.append(.forgetCapacity(provider))
            actions = planner.refused(
                segment: segment, slot: slot, by: provider, full: false,
                reason: FileFailure.unexpectedResponse("a shard upload").description)
        case nil:
            effects.append(.forgetCapacity(provider))
            actions = planner.refused(
                segment: segment, slot: slot, by: provider, full: false,
                reason: reason ?? "no answer")
        }
        if case .storage(.stored)? = response {
        } else {
            effects.append(
                .log(
                    PeerLogEntry(
                        .debug, "shard upload failed; trying another provider",
                        ["cairn.remote": provider.shortHex, "cairn.error": reason ?? "\(response!)"])))
        }
        self.planner = planner
        carryOut(actions)
    }

    private mutating func carryOut(_ actions: [PutPlanner.Action]) {
        for action in actions {
            switch action {
            case .store(let segment, let slot, let provider):
                guard let bytes = shards[segment]?[slot], let shardID = planner?.shardID(segment: segment, slot: slot)
                else { continue }
                shardRequests += 1
                effects.append(
                    .send(
                        .putShard(id: shardID, file: order.fileNonce, owner: identity.publicKey, bytes: bytes),
                        to: provider, .shard(segment: segment, slot: slot, provider: provider.id), timeout: .seconds(30)
                    ))
            case .segmentPlaced(let segment):
                shards[segment] = nil
                guard let planner else { continue }
                if finishing {
                    if planner.isIdle, fileID != nil, case .placing = phase { startConfirming() }
                } else if waiter != nil, planner.hasRoom {
                    answer(.putSegmentAccepted)
                }
            case .fail(.placementFailed(let segment, let reason)):
                fail(.placementFailed(segment: segment, reason: reason))
            }
        }
    }

    // MARK: - Answers

    /// Delivers `result` to the command waiting, if any.
    mutating func answer(_ result: PeerCommandResult) {
        guard let waiter else { return }
        effects.append(.deliver(waiter, result))
        self.waiter = nil
    }

    /// A command that does not fit where the put stands: refused, the put carries on.
    private mutating func refuseCommand(_ reason: String) {
        if let failure, case .over = phase {
            answer(.fileFailed(failure))
            return effects.append(.finished)
        }
        switch phase {
        case .draining, .cleaningUp: return  // answered with the failure once cleaned up
        default: break
        }
        answer(.fileFailed(.invalidRequest(reason)))
    }
}
