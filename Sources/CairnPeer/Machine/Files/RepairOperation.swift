import CairnDHT
import CairnStorage
import CairnWire
import NIOCore

/// What a repair starts from: the file, its holders' addresses, and what a check found at every position.
public struct RepairOrder: Sendable {
    public var layout: PlacedFile
    public var holders: [PeerID: PeerInfo]
    /// `states[s][i]`: the state of shard i of segment s (`PositionState`).
    public var states: [[PositionState]]
    /// For a self-repair on the market: the transaction that moves the slot's agreement to the new provider,
    /// submitted once the rebuilt shards are placed and before they are adopted (a provider over its free
    /// allowance adopts them only under that agreement).
    public var replacement: RepairReplacement?

    public init(
        layout: PlacedFile, holders: [PeerID: PeerInfo], states: [[PositionState]],
        replacement: RepairReplacement? = nil
    ) {
        self.layout = layout
        self.holders = holders
        self.states = states
        self.replacement = replacement
    }
}

/// The market side of a self-repair: agreement `agreementID` moves to `newProvider` (`MarketTransaction.repair`).
public struct RepairReplacement: Hashable, Sendable {
    public var agreementID: Key256
    public var newProvider: PublicKey

    public init(agreementID: Key256, newProvider: PublicKey) {
        self.agreementID = agreementID
        self.newProvider = newProvider
    }
}

/// k shards of a segment to rebuild `targets` from; not yet verified (the driver checks each against its ID
/// and sends back the bad ones with `PeerCommand.repairSourcesRejected`).
public struct RepairSources: Sendable {
    public var segment: Int
    public var slots: [Int]
    public var shards: [ByteBuffer]
    public var targets: [Int]
}

/// What a finished repair did.
public struct RepairSummary: Sendable {
    public var rebuilt: Int
    /// Segments that had at least one shard rebuilt.
    public var segments: Int
    public var newHolders: [PeerID]
    /// The transaction that moved the slot's agreement (`RepairOrder.replacement`), once submitted.
    public var replacementTransaction: Key256?
}

/// A repair, as a machine with no I/O (issue 7, item 6). The `RepairPlan` says which positions to rebuild
/// from which; this decides the rest:
/// 1. survey the providers near the file nonce for room (as a put does), minus every holder found wanting;
/// 2. per segment, fetch k shards (the plan's sources first, then other healthy ones; k + `fetchHedge` at
///    once, 30 s each, the next asked as each fails) and hand the first k to the driver, which verifies them,
///    rebuilds the missing shards (Reed–Solomon over the ciphertext: no key) and hands those back;
/// 3. place each rebuilt shard on the first provider of `RepairPlan.targets` that takes it (30 s each), never
///    on one that holds anything else of the segment;
/// 4. have each new holder adopt its shards (it checks the owner-signed descriptor names them) and sign its
///    placement record; store the descriptor and every placement record at the file ID's n−k+1 keepers.
struct RepairOperation: OwnerOperation {
    enum Phase: Sendable {
        case surveying, fetching, rebuilding, placing, adopting, lookingUp, storingDescriptor, storingPlacement, over
    }

    static let timeout: Duration = .seconds(30)
    /// Source shards asked beyond the k needed, so that a holder that is gone or slow costs no timeout while
    /// another has the shard (Storj's repairer likewise downloads more pieces than it needs and keeps the
    /// first k). Asked one at a time, a repair with one dead source among its first k took 30 s a segment, and
    /// in `cairn sim storage` files were lost while their repairs waited.
    static let fetchHedge = 2
    /// While a segment's sources are short of k this long after the last ask, one more source is asked beside
    /// the ones that have not answered: a source that is gone costs this, not `timeout`. With only the fixed
    /// hedge, three dead sources among the first k + 2 held a repair 30 s, longer than the fallback period
    /// after which the next repairer starts the same repair (`cairn sim storage`: 19 of 157 repaired slots
    /// were repaired twice or more).
    static let hedgeAfter: Duration = .seconds(3)

    let id: CommandID
    let order: RepairOrder
    let plan: RepairPlan
    let localPeer: PeerInfo
    /// The clock difference allowed between peers (`DHTConfig.maxClockSkew`), for the adopters' records.
    var clockTolerance: Duration = DHTConfig().maxClockSkew
    var now: Instant = .zero
    /// Each step is logged at debug level with the time since the last: where a slow repair spends its time.
    var phase = Phase.surveying {
        didSet {
            guard phase != oldValue else { return }
            defer { phaseStarted = now }
            guard let phaseStarted else { return }
            let millis = (now.nanoseconds - phaseStarted.nanoseconds) / 1_000_000
            effects.append(.log(PeerLogEntry(.debug, "repair of file \(layout.fileID.shortHex)…: \(oldValue) took "
                + "\(millis) ms, now \(phase)")))
        }
    }
    var phaseStarted: Instant?
    var waiter: CommandID?
    var effects: [OwnerEffect] = []

    var survey = ProviderSurvey(candidates: [], cached: [])
    var candidates: [PeerID] = []
    var infos: [PeerID: PeerInfo] = [:]
    /// The segment of the plan being repaired (an index into `plan.work`).
    var work = 0
    var sourceOrder: [Int] = []
    var sourceCursor = 0
    /// Slots of the current segment asked for and not answered yet.
    var fetching: Set<Int> = []
    /// Sources asked beyond k + `fetchHedge` because the others were slow (`hedgeAfter`).
    var extraAsks = 0
    var fetched: [Int: ByteBuffer] = [:]
    var rebuilt: [Int: ByteBuffer] = [:]
    var targetCursor = 0
    var choices: [PeerID] = []
    var choiceCursor = 0
    var excluded: Set<PeerID> = []
    var taken: [PeerID: [(segment: UInt32, slot: UInt8)]] = [:]
    var rebuiltCount = 0
    var adoptPending = 0
    var replacementTransaction: Key256?
    var records: [PlacementRecord] = []
    var keepers: [PeerInfo] = []
    var blobs = BlobRound()

    init(id: CommandID, order: RepairOrder, localPeer: PeerInfo) {
        self.id = id
        self.order = order
        self.localPeer = localPeer
        plan = RepairPlan(states: order.states, k: order.layout.parameters.k)
    }

    var layout: PlacedFile { order.layout }
    var k: Int { layout.parameters.k }

    // MARK: - Survey

    mutating func start(candidates: [PeerInfo], cached: [ProviderCapacity?]) {
        waiter = id
        if let first = plan.unrecoverable.first {
            return fail(
                .unavailable(
                    segment: first,
                    reason: "fewer than \(k) healthy shards are left in "
                        + "\(plan.unrecoverable.count) segment(s); they cannot be rebuilt"))
        }
        guard !plan.work.isEmpty else { return finish() }
        survey = ProviderSurvey(candidates: candidates, cached: cached)
        for (position, candidate) in survey.requests {
            effects.append(
                .send(
                    .capacity, to: candidate, .capacity(position: position, sent: now), timeout: ProviderSurvey.timeout)
            )
        }
        if survey.isDone { surveyed() }
    }

    mutating func capacityAnswered(position: Int, sent: Instant, response: Response?) {
        guard case .surveying = phase else { return }
        if let entry = survey.answered(
            position: position, sent: sent, response: response, now: now,
            localPeer: localPeer.id)
        {
            effects.append(.rememberCapacity(survey.candidates[position].id, entry))
        }
        if survey.isDone { surveyed() }
    }

    private mutating func surveyed() {
        let ring = survey.ring(minimumFree: UInt64(layout.parameters.maxShardLength))
        let states = order.states
        let unreliable = Set(
            states.indices.flatMap { s in
                states[s].indices.filter { states[s][$0] != .healthy }.map { layout.segments[s].holders[$0] }
            })
        candidates = ring.map(\.id).filter { !unreliable.contains($0) }
        infos = Dictionary(ring.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        startSegment()
    }

    // MARK: - Sources

    private mutating func startSegment() {
        let segment = plan.work[work]
        let states = order.states[segment.segment]
        sourceOrder =
            segment.sources + states.indices.filter { states[$0] == .healthy && !segment.sources.contains($0) }
        sourceCursor = 0
        fetching = []
        fetched = [:]
        extraAsks = 0
        phase = .fetching
        fetchNext()
    }

    /// The hedge timer of `segment` fired: one more source while it is still short of k.
    mutating func timerFired(_ timer: OwnerTimer) {
        guard case .hedge(let segment) = timer, case .fetching = phase, work < plan.work.count,
            segment == plan.work[work].segment, fetched.count < k, sourceCursor < sourceOrder.count
        else { return }
        extraAsks += 1
        fetchNext()
    }

    private mutating func fetchNext() {
        let segment = plan.work[work].segment
        if fetched.count >= k {
            phase = .rebuilding
            let slots = fetched.keys.sorted().prefix(k)
            return answer(
                .repairSources(
                    RepairSources(
                        segment: segment, slots: Array(slots), shards: slots.map { fetched[$0]! },
                        targets: plan.work[work].targets)))
        }
        var asked = false
        while fetched.count + fetching.count < k + Self.fetchHedge + extraAsks, sourceCursor < sourceOrder.count {
            let slot = sourceOrder[sourceCursor]
            sourceCursor += 1
            guard fetched[slot] == nil, let info = order.holders[layout.segments[segment].holders[slot]] else {
                continue
            }
            fetching.insert(slot)
            asked = true
            effects.append(
                .send(
                    .getShard(id: layout.segments[segment].shardIDs[slot]), to: info,
                    .repairFetch(segment: segment, slot: slot), timeout: Self.timeout))
        }
        if asked, sourceCursor < sourceOrder.count {
            effects.append(.arm(.hedge(segment: segment), at: now + Self.hedgeAfter))
        }
        guard fetching.isEmpty else { return }
        fail(
            .unavailable(
                segment: segment,
                reason: "only \(fetched.count) of the \(k) shards needed to rebuild "
                    + "it could be fetched"))
    }

    /// A source shard came (or did not). One that comes after k others is kept too: it stands in if the driver
    /// rejects one of them.
    mutating func fetchAnswered(segment: Int, slot: Int, response: Response?) {
        guard work < plan.work.count, segment == plan.work[work].segment, fetching.remove(slot) != nil else { return }
        if case .storage(.shard(let bytes))? = response { fetched[slot] = bytes }
        if case .fetching = phase { fetchNext() }
    }

    /// The driver found `slots` corrupt: other holders are asked.
    mutating func sourcesRejected(_ slots: [Int], command: CommandID) {
        waiter = command
        guard case .rebuilding = phase else {
            return answer(.fileFailed(.invalidRequest("no sources were handed out")))
        }
        for slot in slots { fetched[slot] = nil }
        phase = .fetching
        fetchNext()
    }

    // MARK: - Placement

    /// The driver rebuilt the segment's missing shards.
    mutating func rebuilt(_ shards: [Int: ByteBuffer], command: CommandID) {
        waiter = command
        guard case .rebuilding = phase else { return answer(.fileFailed(.invalidRequest("nothing was to rebuild"))) }
        rebuilt = shards
        let segment = layout.segments[plan.work[work].segment]
        let states = order.states[plan.work[work].segment]
        excluded = Set(segment.holders.indices.filter { states[$0] == .healthy }.map { segment.holders[$0] })
        targetCursor = 0
        phase = .placing
        placeNext()
    }

    private mutating func placeNext() {
        let segment = plan.work[work]
        guard targetCursor < segment.targets.count else {
            work += 1
            return work < plan.work.count ? startSegment() : adopt()
        }
        let slot = segment.targets[targetCursor]
        choices = RepairPlan.targets(
            count: candidates.count, segment: segment.segment + slot, candidates: candidates,
            excluding: excluded)
        choiceCursor = 0
        tryChoice()
    }

    private mutating func tryChoice() {
        let segment = plan.work[work]
        let slot = segment.targets[targetCursor]
        while choiceCursor < choices.count {
            guard let info = infos[choices[choiceCursor]], let bytes = rebuilt[slot] else {
                choiceCursor += 1
                continue
            }
            let request = StorageRequest.putShard(
                id: layout.segments[segment.segment].shardIDs[slot], file: layout.fileNonce, owner: layout.owner,
                bytes: bytes)
            return effects.append(.send(request, to: info, .repairPlace, timeout: Self.timeout))
        }
        fail(
            .placementFailed(
                segment: segment.segment,
                reason: "no provider with room that holds nothing of the "
                    + "segment took rebuilt shard \(slot)"))
    }

    mutating func placeAnswered(_ response: Response?) {
        guard case .placing = phase, choiceCursor < choices.count else { return }
        let target = choices[choiceCursor]
        guard case .storage(.stored)? = response else {
            effects.append(.forgetCapacity(target))
            choiceCursor += 1
            return tryChoice()
        }
        let segment = plan.work[work]
        excluded.insert(target)
        taken[target, default: []].append((UInt32(segment.segment), UInt8(segment.targets[targetCursor])))
        rebuiltCount += 1
        targetCursor += 1
        placeNext()
    }

    // MARK: - Adoption and publication

    private mutating func adopt() {
        phase = .adopting
        if let replacement = order.replacement, taken[replacement.newProvider.peerID] != nil {
            // Before the adoptions, in the same batch of effects: the new provider holds them until it commits.
            effects.append(.submitRepair(replacement))
        }
        let encoded = ByteBuffer(bytes: layout.descriptor.encoded())
        let holders = taken.keys.sorted()
        for (index, holder) in holders.enumerated() {
            guard let info = infos[holder], let positions = taken[holder] else { continue }
            adoptPending += 1
            effects.append(
                .send(
                    .adopt(descriptor: encoded, entries: PlacementRecord.entries(for: positions)),
                    to: info, .repairAdopt(holder: index), timeout: Self.timeout))
        }
        if adoptPending == 0 { adopted() }
    }

    /// The repair transaction was submitted (its hash), or refused: the slot's agreement cannot move, and the
    /// repair fails.
    mutating func replacementSubmitted(_ result: Result<Key256, some Error>) {
        guard case .adopting = phase else { return }
        switch result {
        case .success(let hash): replacementTransaction = hash
        case .failure(let refusal):
            fail(.placementFailed(segment: 0, reason: "the repair transaction was refused: \(refusal)"))
        }
    }

    /// New holder `index` answered its adoption; its placement record is checked as a put checks a
    /// confirmation's (`ConfirmRound.settle`).
    mutating func adoptAnswered(holder index: Int, response: Response?) {
        guard case .adopting = phase else { return }
        let holder = taken.keys.sorted()[index]
        guard case .storage(.confirmed(_, let record?))? = response,
            record.isOwn(by: holder, fileID: layout.fileID,
                         entries: PlacementRecord.entries(for: taken[holder] ?? []), now: now,
                         tolerance: clockTolerance)
        else {
            return fail(.unexpectedResponse("the adoption of rebuilt shards by \(holder.shortHex)"))
        }
        records.append(record)
        adoptPending -= 1
        if adoptPending == 0 { adopted() }
    }

    private mutating func adopted() {
        phase = .lookingUp
        effects.append(.lookUp(layout.fileID))
    }

    /// The peers closest to the file ID now, which may not be the keepers of the put.
    mutating func lookedUp(_ closest: [PeerInfo]?) {
        guard case .lookingUp = phase else { return }
        guard let closest else { return fail(.unexpectedResponse("a lookup")) }
        keepers = Array(closest.prefix(PutOperation.blobReplicas(for: layout.parameters)))
        phase = .storingDescriptor
        storeBlob(.descriptor, bytes: layout.descriptor.encoded())
    }

    private mutating func storeBlob(_ kind: BlobKind, bytes: [UInt8]) {
        blobs = BlobRound(kind: kind, key: layout.fileID, bytes: bytes, keepers: keepers, timeout: Self.timeout,
                          effects: &effects)
        if blobs.isSettled { blobStored() }
    }

    mutating func blobAnswered(keeper position: Int, response: Response?, reason: String?) {
        switch phase {
        case .storingDescriptor, .storingPlacement: break
        default: return
        }
        if blobs.answered(keeper: position, response: response, reason: reason) { blobStored() }
    }

    private mutating func blobStored() {
        if let failure = blobs.failure { return fail(failure) }
        if case .storingDescriptor = phase {
            phase = .storingPlacement
            return storeBlob(.placement, bytes: PlacementRecord.encodeList(layout.placement.records + records))
        }
        finish()
    }

    // MARK: - End

    private mutating func answer(_ result: PeerCommandResult) {
        guard let waiter else { return }
        effects.append(.deliver(waiter, result))
        self.waiter = nil
    }

    private mutating func finish() {
        phase = .over
        answer(
            .repairFinished(
                RepairSummary(
                    rebuilt: rebuiltCount, segments: plan.work.count,
                    newHolders: taken.keys.sorted(), replacementTransaction: replacementTransaction)))
        effects.append(.finished)
    }

    private mutating func fail(_ failure: FileFailure) {
        phase = .over
        answer(.fileFailed(failure))
        effects.append(.finished)
    }
}
