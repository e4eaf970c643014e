import CairnChain
import CairnDHT
import CairnStorage
import CairnWire

/// What the machine asks its driver to do. The driver carries actions out in order and decides nothing:
/// every `.send` and `.dial` is reported back exactly once (`answered`, `failed` or `dialed`) unless the
/// machine cancels it first, and every armed timer fires unless cancelled.
public enum PeerAction: Sendable {
    /// Send `request` to `peer`, dialing it if there is no connection.
    case send(OutboundID, to: PeerInfo, Request)
    /// The machine gave up on request `id` (its timer fired): forget it; an answer that still arrives is
    /// dropped.
    case abandon(OutboundID)
    /// Send a one-way message to `peer`, dialing it if there is no connection; nothing comes back.
    case announce(Announcement, to: PeerInfo)
    /// Answer another peer's request.
    case respond(InboundID, Response)
    /// Connect to `address` and learn whose it is (the bootstrap peers are known by address only).
    case dial(OutboundID, PeerAddress)
    /// Fire `timer` at `instant`, replacing an earlier arming of the same timer.
    case armTimer(PeerTimer, at: Instant)
    case cancelTimer(PeerTimer)
    /// Write the routing table's contacts to durable storage (so that the peer rejoins without a bootstrap
    /// peer after a restart).
    case persistContacts([PeerInfo])
    /// Carry out disk work for the provider side (`ProviderStores.perform`) and report its outcome with
    /// `PeerEvent.storeCompleted(ticket, …)`, exactly once.
    case store(StoreTicket, StoreOperation)
    /// Make a chain write durable (`ChainStore`: blocks appended, or the signed message saved, fsync
    /// included) and report it with `PeerEvent.chainWritten(ticket)`, exactly once.
    case chainWrite(ChainWriteTicket, ChainWrite)
    /// Answer inbound request `id` with `.chain(.blocks(…))`: the committed blocks from `from` on in the chain
    /// store, at most `maxCount` of them and `maxBytes` of bodies and commits (the first always).
    case chainRead(InboundID, from: UInt64, maxCount: Int, maxBytes: Int)
    /// A local command's result.
    case deliver(CommandID, PeerCommandResult)
    /// Something the operator's metrics count (`PeerObservation`); a driver without metrics drops it.
    case observed(PeerObservation)
    /// Something a person should see in the log.
    case log(PeerLogEntry)
}

/// Indirect: results (a chain status, a market snapshot) are large and rare; boxed, they do not size every
/// `PeerAction`.
public indirect enum PeerCommandResult: Sendable {
    case queryFinished(QueryOutcome, QueryStats)
    /// The put's providers are surveyed: feed its segments.
    case putStarted
    /// The put has room for another segment.
    case putSegmentAccepted
    /// The put is stored: every shard durable and confirmed, the descriptor and placement at their keepers.
    case putFinished(PutSummary)
    /// An aborted put has removed what it had placed.
    case putAborted
    /// The file's descriptor, placement and grant, checked.
    case fileLocated(FileLocation)
    /// The addresses of a file's holders that could be found (this peer's own included).
    case holdersResolved([PeerID: PeerInfo])
    /// What the holders of a file said they hold.
    case holdersProbed(ShardAvailability)
    /// A blob is stored at this many keepers.
    case blobStored(Int)
    /// A file's holders reported this many shards deleted; this peer ended `agreementsEnded` storage agreements
    /// of the file (submitted their end), `note` says why others were not.
    case fileDeleted(shards: Int, agreementsEnded: Int, note: String?)
    /// The challenges whose holders did not prove their shard.
    case audited(failed: [StorageChallenge])
    /// k shards to rebuild a segment's missing ones from.
    case repairSources(RepairSources)
    case repairFinished(RepairSummary)
    case repairEnded
    /// The get is set up (and, when asked, the file checked); ask for its segments.
    case getStarted(GetStart)
    /// k shards of a segment, to decode.
    case segmentShards(SegmentShards)
    /// The get is forgotten.
    case getEnded
    /// A file operation failed, for the reason given (what it had placed is removed first).
    case fileFailed(FileFailure)
    /// A chain command's answer.
    case chain(ChainCommandResult)
    /// A market command's answer.
    case market(MarketCommandResult)
    /// The peer stopped or refused before the command could finish.
    case failed(String)
}

/// A line for the operator, with a level; the driver writes it with its logger.
public struct PeerLogEntry: Sendable, Hashable {
    public enum Level: Sendable, Hashable {
        case debug, info, notice, warning
    }

    public var level: Level
    public var message: String
    public var metadata: [String: String]

    public init(_ level: Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}

/// The timers a peer keeps; each is armed by an action and comes back as `PeerEvent.timerFired`.
public enum PeerTimer: Hashable, Sendable {
    /// Request `id` has waited `PeerMachineConfig.requestTimeout` for its answer.
    case requestTimeout(OutboundID)
    /// Kademlia upkeep: liveness pings, bucket refresh, republish (`DHTNode.tick`).
    case maintenance
    /// A peer whose routing table is empty tries its bootstrap peers again.
    case rejoin
    /// The routing table is saved.
    case persistContacts
    /// The provider releases shards still pending after its grace period (`ProviderConfig`).
    case reclaimPending
    /// A timer of an owner-side operation (a put's retry delay), named by a number the machine hands out.
    case owner(UInt64)
    /// A timer of the chain machine's (consensus timeouts, the block interval, gossip and status rounds).
    case chain(ChainTimer)
}

/// What the peer did, for the operator's metrics: every finished DHT lookup, the peer's own upkeep and the
/// lookups its files need included, not only those a command asked for.
public enum PeerObservation: Sendable {
    case lookupFinished(QueryOutcome, QueryStats)
    /// The chain committed a block (by consensus or sync) with this many transactions.
    case chainCommitted(height: UInt64, hash: Key256, transactions: Int)
}
