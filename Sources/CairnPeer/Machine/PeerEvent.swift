import CairnChain
import CairnDHT
import CairnStorage
import CairnWire
import NIOCore

/// Names a request this peer sent, so that its answer or failure finds its way back (`PeerEvent.answered`).
public struct OutboundID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "out#\(rawValue)" }
}

/// Names a request another peer sent this one, so that the driver can route the machine's response to it.
public struct InboundID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "in#\(rawValue)" }
}

/// Names a local command (`cairn dht closest`, the API), so that its result is delivered to the right caller.
public struct CommandID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "cmd#\(rawValue)" }
}

/// Something that happened to the peer, with the instant it happened at (`PeerMachine.handle(_:now:)`).
public enum PeerEvent: Sendable {
    /// The driver bound the listener at `address`; the machine starts joining.
    case started(PeerAddress)
    /// The peer is shutting down: pending commands fail, the routing table is saved.
    case stopping
    /// Another peer asks something; the machine answers with `.respond(id, …)`, now or later.
    case requestReceived(InboundID, Request, from: PeerInfo?, remote: PeerID)
    /// The peer answered request `id` (an error answer included).
    case answered(OutboundID, Response)
    /// Request `id` could not be delivered or its connection failed before an answer.
    case failed(OutboundID, reason: String)
    /// A dial to a bootstrap address completed its handshake: the address belongs to `peer`.
    case dialed(OutboundID, PeerID)
    /// The authenticated peer `from` sent a one-way message.
    case announced(Announcement, from: PeerID)
    /// A timer the machine armed fired. Timers the machine no longer needs are ignored.
    case timerFired(PeerTimer)
    /// A local command.
    case command(CommandID, PeerCommand)
    /// The store operation `ticket` (`PeerAction.store`) finished.
    case storeCompleted(StoreTicket, StoreOutcome)
    /// The chain write `ticket` (`PeerAction.chainWrite`) is durable.
    case chainWritten(ChainWriteTicket)
}

/// What a local user of the peer (the CLI through the API, a benchmark) asks of it.
///
/// A put is several commands: `startPut` (its ID names the put from then on), one `putSegment` per encoded
/// segment, then `finishPut` — or `abortPut` when the driver cannot go on. Each is answered before the next is
/// sent; the answer to a segment is the machine's flow control (the driver feeds no segment before it). A get
/// is `startGet`, `getSegment` for each segment in order (with `shardCorrupt` for a shard that does not
/// verify), then `endGet`.
/// Indirect: orders (a put's, a repair's) are large and rare; boxed, they do not size every `PeerEvent`.
public indirect enum PeerCommand: Sendable {
    /// Runs a DHT query; answered with `.queryFinished`.
    case query(DHTQuery)
    /// Asks the chain; answered with `.chain(…)`, or `.failed` on a peer that does not run it.
    case chain(ChainCommand)
    /// Asks or acts on the storage market; answered with `.market(…)`, or `.failed` on a network without one.
    case market(MarketCommand)
    /// Starts a put: surveys the providers; answered with `.putStarted` once segments may be fed, or
    /// `.fileFailed` (too few providers, a clock too far off).
    case startPut(PutOrder)
    /// The next encoded segment of put `put`; answered with `.putSegmentAccepted` once another may be fed.
    case putSegment(put: CommandID, PutSegment)
    /// Every segment of put `put` is fed (`fileSize` plaintext bytes in all); answered with `.putFinished`
    /// once the descriptor is stored, the shards confirmed and the placement stored.
    case finishPut(put: CommandID, fileSize: UInt64)
    /// The driver gives up on put `put` for `reason`: what it placed is deleted, then `.fileFailed` comes.
    case abortPut(put: CommandID, reason: String)
    /// Finds a file's descriptor, placement and (when asked and needed) grant; answered with `.fileLocated`,
    /// or `.fileFailed` (`descriptorNotFound`, `noAccess`).
    case locateFile(LocateOrder)
    /// Finds the addresses of a file's holders; answered with `.holdersResolved`.
    case resolveHolders(PlacedFile)
    /// Asks every holder of a file, at `addresses`, which of its shards it has; answered with `.holdersProbed`.
    case probeHolders(PlacedFile, addresses: [PeerID: PeerInfo])
    /// Stores a blob at the peers closest to its key; answered with `.blobStored`.
    case storeBlob(BlobOrder)
    /// Deletes a file this identity owns from its `holders` and keepers; answered with `.fileDeleted`.
    case deleteFile(PlacedFile, holders: [PeerID: PeerInfo])
    /// Challenges holders for proofs of storage; answered with `.audited`.
    case audit(AuditOrder)
    /// Starts repairing a file (`RepairOperation`); answered with `.repairSources` for the first segment to
    /// rebuild, `.repairFinished` when nothing needs it, or `.fileFailed`.
    case startRepair(RepairOrder)
    /// The driver found these sources corrupt; answered with `.repairSources` again.
    case repairSourcesRejected(repair: CommandID, slots: [Int])
    /// The driver rebuilt the missing shards of the segment it was handed (by slot); answered with the next
    /// segment's `.repairSources`, or `.repairFinished` once every rebuilt shard is placed and published.
    case repairRebuilt(repair: CommandID, shards: [Int: ByteBuffer])
    /// The driver gives up on repair `repair`; answered with `.repairEnded`.
    case endRepair(repair: CommandID)
    /// Starts fetching a file's segments (its ID names the get from then on): resolves the holders unless the
    /// order has them, checks the file when asked (`GetOrder.check`); answered with `.getStarted`, or
    /// `.fileFailed(.unavailable)` when the check finds a segment short of shards.
    case startGet(GetOrder)
    /// The driver wants `segment` of get `get` next, and is done with those before it; answered with
    /// `.segmentShards` once k shards are in, or `.fileFailed(.unavailable)`.
    case getSegment(get: CommandID, segment: Int)
    /// Shard `slot` of `segment` did not verify: answered like `getSegment`, with a replacement.
    case shardCorrupt(get: CommandID, segment: Int, slot: Int)
    /// The driver is done with get `get` (finished, failed or cancelled); answered with `.getEnded`.
    case endGet(get: CommandID)
}
