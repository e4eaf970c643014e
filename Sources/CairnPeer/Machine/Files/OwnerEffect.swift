import CairnChain
import CairnCrypto
import CairnMarket
import CairnWire

/// What an owner-side operation (a put, a get) asks the running peer to do for it; `RunningPeer` turns these into
/// requests with timers, DHT lookups and deliveries, and reports back to the operation.
enum OwnerEffect: Sendable {
    /// Send `request` to `peer`; `timeout` after which it counts as failed.
    case send(StorageRequest, to: PeerInfo, OwnerRequest, timeout: Duration)
    /// Look up the peers closest to `key`; answered with `PutOperation.lookedUp`.
    case lookUp(Key256)
    /// Fire `timer` for this operation at `instant`.
    case arm(OwnerTimer, at: Instant)
    case deliver(CommandID, PeerCommandResult)
    /// Open `request`'s agreements (a transaction signed by this peer); the outcome goes back to the put
    /// (`PutOperation.agreementsSubmitted`).
    case openAgreements(AgreementRequest)
    /// End these agreements (a failed put's, one transaction each).
    case endAgreements([Key256])
    /// Submit a self-repair's transaction; the outcome goes back to it (`RepairOperation.replacementSubmitted`).
    case submitRepair(RepairReplacement)
    case log(PeerLogEntry)
    /// A provider answered how much room it has.
    case rememberCapacity(PeerID, ProviderCapacity)
    /// A provider refused or failed a shard: what it said of its room no longer holds.
    case forgetCapacity(PeerID)
    /// The operation is over: forget it.
    case finished
}

/// What an owner-side operation's request was for, so that its answer finds its step.
enum OwnerRequest: Hashable, Sendable {
    /// "How much room do you have?" to survey candidate `position`, sent at `sent`.
    case capacity(position: Int, sent: Instant)
    /// Shard `slot` of `segment`, offered to `provider`.
    case shard(segment: Int, slot: Int, provider: PeerID)
    /// The descriptor or placement records, to keeper `keeper` of the current round.
    case blob(keeper: Int)
    /// The confirmation order now due from holder `holder`.
    case confirm(holder: Int)
    /// A copy of a put's descriptor for one of its holders; nothing waits for the answer.
    case descriptorCopy
    /// A delete order of a failed put's cleanup.
    case delete
    /// Shard `slot` of `segment`, for a get.
    case fetch(segment: Int, slot: Int)
    /// A blob that locates a file.
    case locate(LocateStep)
    /// "Which of these shards do you have?" to `holder`.
    case probe(holder: PeerID)
    /// A proof of storage for challenge `challenge` of an audit.
    case audit(challenge: Int)
    /// A repair's source shard `slot` of segment `segment`.
    case repairFetch(segment: Int, slot: Int)
    /// A rebuilt shard offered to a provider.
    case repairPlace
    /// The adoption of rebuilt shards by new holder number `holder`.
    case repairAdopt(holder: Int)
}

/// The owner-side operations' own timers.
enum OwnerTimer: Hashable, Sendable {
    /// A put's holder `holder` did not confirm: ask it again.
    case confirmRetry(holder: Int)
    /// A get's or a repair's answers for `segment` are slow: ask one more holder.
    case hedge(segment: Int)
}

/// A provider's answer to "how much room do you have?": the room it really has, and its clock against this
/// one's (nil when it did not say, or for this peer itself), with the instant it was heard.
struct ProviderCapacity: Sendable {
    var free: UInt64
    var clockOffset: Duration?
    var heard: Instant
}

/// The storage agreements a put opens before it confirms: one transaction for the file's slots.
struct AgreementRequest: Sendable {
    var fileID: Key256
    var slots: [SlotPlacement]
    var durationEpochs: UInt64
    var maxPricePerGiBEpoch: Amount
}
