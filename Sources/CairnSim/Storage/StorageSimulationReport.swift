/// What a storage simulation measured. Everything but `wallSeconds` (and `eventsPerSecond`, derived from it)
/// is a function of the configuration alone.
public struct StorageSimulationReport: Codable, Hashable, Sendable {
    public var peers: Int
    public var validators: Int
    public var files: Int
    public var epochs: Int
    public var seed: UInt64
    public var churnPerEpoch: Double
    public var repair: Bool
    public var k: Int
    public var n: Int
    /// Bytes of one slot of one file (its shard in every segment).
    public var slotBytes: Int
    /// Nominal virtual seconds per market epoch (`epoch_blocks` × the block interval); the chain may be slower.
    public var epochSeconds: Double
    /// Providers registered on chain when the agreements were opened, of the `peers − validators` started.
    public var providersRegistered: Int
    /// Agreements open once the owners' transactions committed (files × n when all went through).
    public var agreementsOpened: Int
    /// Market epochs at the first and the last churn step.
    public var firstEpoch: UInt64
    public var lastEpoch: UInt64
    /// Providers that left for good (their stores gone), and fresh ones that joined in their place.
    public var providersLeft: Int
    public var providersJoined: Int
    /// Files with fewer than k slots held by live providers with the data, at the end.
    public var filesLost: Int
    /// The churn step (0-based) at which the first file fell below k, if one did.
    public var firstLossStep: Int?
    /// Agreements replaced by a committed repair (`MarketTransaction.repair`).
    public var slotsRepaired: Int
    /// Open agreements marked for repair at the end.
    public var slotsAwaitingRepair: Int
    /// Bytes the repairs moved: the surviving shards read into each rebuild, and the rebuilt shards written.
    public var repairBytes: Int
    /// Proofs of storage counted on chain over every agreement: valid, and missed epochs.
    public var proofsOK: Int
    public var proofsMissed: Int
    /// Base units paid to providers from escrow, and taken from their stakes as penalties.
    public var payments: UInt64
    public var penalties: UInt64
    /// Binomial model (`StorageDurabilityModel`): files expected lost over `epochs` epochs without repair.
    public var expectedLostWithoutRepair: Double
    /// Events (messages, timers, commands, store completions) the simulator handled.
    public var events: Int
    public var messages: Int
    public var virtualSeconds: Double
    public var wallSeconds: Double
    public var eventsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case peers, validators, files, epochs, seed, repair, k, n, payments, penalties, events, messages
        case churnPerEpoch = "churn_per_epoch"
        case slotBytes = "slot_bytes"
        case epochSeconds = "epoch_seconds"
        case providersRegistered = "providers_registered"
        case agreementsOpened = "agreements_opened"
        case firstEpoch = "first_epoch"
        case lastEpoch = "last_epoch"
        case providersLeft = "providers_left"
        case providersJoined = "providers_joined"
        case filesLost = "files_lost"
        case firstLossStep = "first_loss_step"
        case slotsRepaired = "slots_repaired"
        case slotsAwaitingRepair = "slots_awaiting_repair"
        case repairBytes = "repair_bytes"
        case proofsOK = "proofs_ok"
        case proofsMissed = "proofs_missed"
        case expectedLostWithoutRepair = "expected_lost_without_repair"
        case virtualSeconds = "virtual_seconds"
        case wallSeconds = "wall_seconds"
        case eventsPerSecond = "events_per_second"
    }
}
