import CairnStorage
import CairnWire

/// The provider side of the storage protocol (DESIGN.md §5), as part of the peer machine: it checks every
/// request (owner signatures, descriptors against their keys, grants, adopted positions), decides what to
/// store, release and confirm, signs placement records with the event's `now`, merges placement records, and
/// reclaims pending shards on a timer. Disk work leaves as `PeerAction.store` and comes back as
/// `PeerEvent.storeCompleted`; the machine itself does no I/O.
///
/// Shards arrive pending and are kept for good once their owner confirms the stored file (`ConfirmOrder`);
/// those never confirmed are released after `ProviderConfig.pendingGrace` (`PeerTimer.reclaimPending`).
struct ProviderMachine: Sendable {
    /// What a store operation in flight is for.
    enum Waiting: Sendable {
        /// Request `InboundID` is answered from the outcome, as `Reply` says.
        case answer(InboundID, Reply)
        /// A placement merge read what is kept for `fileID`.
        case mergeLoad(PendingMerge, fileID: Key256)
        /// A placement merge wrote the merged records.
        case mergeWrite(InboundID, fileID: Key256)
        /// A pass over the pending references.
        case reclaim
        /// A confirmation or adoption (`keep`), answered from the outcome; `limited` when the free allowance
        /// bounded it, so that a refusal over the allowance waits for an agreement instead.
        case keep(InboundID, Keep, limited: Bool)
        /// A delete kept until its agreement ended (`deferredDeletes`); nobody waits for its answer.
        case deferredDelete(fileID: Key256)
        /// The descriptor and placement records of a deferred delete, dropped at once; nobody waits either.
        case blobsDeleted(fileID: Key256)
    }

    /// Placement records sent to be merged (`putBlob` of kind placement): request `id` from `sender`.
    struct PendingMerge: Sendable {
        var id: InboundID
        var incoming: [PlacementRecord]
        var sender: PeerID
    }

    /// How an outcome becomes the answer to a request.
    enum Reply: Sendable {
        case stored
        case shard
        case holding
        case proof(ShardID, leaf: UInt32)
        case capacity
        case blob
        /// A `locate`: the placement records kept, and the descriptor when `descriptor`.
        case located(descriptor: Bool)
        case deleted
        /// A confirmation of `count` shards; with `entries`, a placement record is signed when all are kept.
        case confirm(fileID: Key256, count: Int, entries: [PlacementRecord.Entry])
        /// An adoption of `count` shards at `entries`: all must be kept, then a placement record is signed.
        case adopt(fileID: Key256, count: Int, entries: [PlacementRecord.Entry])
    }

    /// What never changes while the peer runs, behind one reference: every running peer carries this machine
    /// (nil or not), and the simulator keeps 10⁵–10⁶ of them.
    final class Settings: Sendable {
        let config: ProviderConfig
        /// Who this provider is to the network, for the placement records it signs.
        let holder: Identity
        let addresses: [PeerAddress]

        init(config: ProviderConfig, holder: Identity, addresses: [PeerAddress]) {
            self.config = config
            self.holder = holder
            self.addresses = addresses
        }
    }

    let settings: Settings
    var config: ProviderConfig { settings.config }
    var waiting: [StoreTicket: Waiting] = [:]
    var nextTicket: UInt64 = 1
    /// Files whose placement records are being merged, with the merges queued behind: a merge reads, then
    /// writes, and two interleaved merges of one file would lose the first one's records.
    var merges: [Key256: [PendingMerge]] = [:]
    var reclaiming = false
    /// Confirmations waiting for a storage agreement (`ProviderMachine+Agreements.swift`), oldest first.
    var waitingKeeps: [WaitingKeep] = []
    /// Delete orders answered and kept until the file's agreement with this provider has ended, by file
    /// (`ProviderMachine+Agreements.swift`). Kept in memory: a restart drops them, and the shards stay.
    var deferredDeletes: [Key256: DeleteOrder] = [:]

    init(config: ProviderConfig, holder: Identity, addresses: [PeerAddress]) {
        settings = Settings(config: config, holder: holder, addresses: addresses)
    }

    /// Arms the reclaim timer.
    func start(now: Instant, actions: inout [PeerAction]) {
        actions.append(.armTimer(.reclaimPending, at: now + config.reclaimInterval))
    }

    /// Answers every request still waiting on the disk, and stops the timer; outcomes that still come are
    /// dropped with the stopped machine.
    mutating func stop(actions: inout [PeerAction]) {
        let shuttingDown = RemoteError(code: .overloaded, message: "the peer is shutting down")
        for item in waiting.values.sorted(by: { Self.order($0) < Self.order($1) }) {
            if let id = item.request { actions.append(.respond(id, .error(shuttingDown))) }
        }
        for queued in merges.values.joined() { actions.append(.respond(queued.id, .error(shuttingDown))) }
        for entry in waitingKeeps { actions.append(.respond(entry.id, .error(shuttingDown))) }
        waiting.removeAll()
        merges.removeAll()
        waitingKeeps.removeAll()
        actions.append(.cancelTimer(.reclaimPending))
    }

    private static func order(_ item: Waiting) -> UInt64 { item.request?.rawValue ?? 0 }

    /// Asks the driver for `operation`, remembering what its outcome is for.
    mutating func store(_ operation: StoreOperation, for item: Waiting, actions: inout [PeerAction]) {
        let ticket = StoreTicket(rawValue: nextTicket)
        nextTicket += 1
        waiting[ticket] = item
        actions.append(.store(ticket, operation))
    }

    /// The reclaim timer fired: one pass unless the last one is still running, then the next arming.
    mutating func reclaimTimerFired(now: Instant, actions: inout [PeerAction]) {
        if !reclaiming {
            reclaiming = true
            store(.reclaimPending(addedBefore: now - config.pendingGrace), for: .reclaim, actions: &actions)
        }
        actions.append(.armTimer(.reclaimPending, at: now + config.reclaimInterval))
    }
}

extension ProviderMachine.Waiting {
    /// The request waiting for this outcome's answer, if any.
    var request: InboundID? {
        switch self {
        case .answer(let id, _), .mergeWrite(let id, _), .keep(let id, _, _): id
        case .mergeLoad(let merge, _): merge.id
        case .reclaim, .deferredDelete, .blobsDeleted: nil
        }
    }
}
