import CairnDHT
import CairnWire

/// The owner side of a running peer: the puts and gets in progress and what they wait for.
struct OwnerOperations: Sendable {
    /// Puts by the command that started them.
    var puts: [CommandID: PutOperation] = [:]
    /// Gets by the command that started them.
    var gets: [CommandID: GetOperation] = [:]
    /// Files being located, by the command that asked.
    var locates: [CommandID: LocateOperation] = [:]
    /// Blobs being stored and files being deleted, by the command that asked.
    var blobStores: [CommandID: BlobStoreOperation] = [:]
    var deletes: [CommandID: DeleteOperation] = [:]
    var audits: [CommandID: AuditOperation] = [:]
    var repairs: [CommandID: RepairOperation] = [:]
    /// Holders being resolved and probed, by the command that asked.
    var resolves: [CommandID: ResolveOperation] = [:]
    /// Gets whose holders are being resolved before they start.
    var resolvingGets: [CommandID: GetOrder] = [:]
    var probes: [CommandID: ProbeOperation] = [:]
    /// DHT lookups of a holder's address, for a resolve.
    var peerLookups: [QueryID: CommandID] = [:]
    /// DHT lookups started for a put or a locate (the keepers of a file ID).
    var lookups: [QueryID: CommandID] = [:]
    /// Armed owner timers (`PeerTimer.owner`): whose, and which.
    var timers: [UInt64: (operation: CommandID, timer: OwnerTimer)] = [:]
    var nextTimer: UInt64 = 1
    /// Recent answers to "how much room do you have?", so that a run of small puts does not ask everyone each
    /// time; a provider that filled up in the meantime refuses the shard, and it goes elsewhere.
    var capacities: [PeerID: ProviderCapacity] = [:]

    /// How long a provider's answer about its room is trusted.
    static let capacityLifetime: Duration = .seconds(5)

    func capacity(of peer: PeerID, now: Instant) -> ProviderCapacity? {
        guard let entry = capacities[peer], now - entry.heard < Self.capacityLifetime else { return nil }
        return entry
    }

    mutating func remember(_ entry: ProviderCapacity, of peer: PeerID, now: Instant) {
        // Stale entries go once the cache grows past what one survey fills, so a long-running peer keeps few.
        if capacities.count >= 256 { capacities = capacities.filter { now - $0.value.heard < Self.capacityLifetime } }
        capacities[peer] = entry
    }
}

/// One owner operation (put, get, locate, delete, audit, repair, blob store) as `RunningPeer` drives it: it is
/// told the instant of each event before handling it, and hands out what it asked for as effects.
protocol OwnerOperation: Sendable {
    /// The instant of the event being handled (set by `RunningPeer` before every call).
    var now: Instant { get set }
    /// What the operation asked for since its effects were last taken.
    var effects: [OwnerEffect] { get set }
}

extension OwnerOperation {
    mutating func takeEffects() -> [OwnerEffect] {
        defer { effects = [] }
        return effects
    }
}
