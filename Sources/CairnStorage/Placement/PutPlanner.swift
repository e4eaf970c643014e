import CairnCrypto
import CairnWire

/// Where the shards of a put go (DESIGN.md §5, issue 6 item 8), as a machine with no I/O: it is given the
/// ring of providers with room and each encoded segment's shard IDs, says which provider to send each shard
/// to, and is told how each attempt went.
///
/// The rules:
/// - segment s takes n consecutive providers of the ring starting at s·n (`RingPlacement`);
/// - a shard a provider refuses (full, failing, unreachable) goes to another provider of the ring that holds
///   nothing of its segment, from one pool per segment (`SpareProviders`), so that two retries never pick the
///   same provider; a provider that said it is full is skipped by every later shard of the put;
/// - a shard that no spare will take fails the put, with the last three reasons;
/// - at most `window` segments are in flight: the driver feeds the next one only while `hasRoom`.
///
/// In `.slotStable` mode (a put that opens storage agreements, DESIGN.md §9: one agreement per (file, slot) with
/// one provider) slot i of every segment goes to ring[i]; a provider that refuses a shard hands its slot to the
/// spare for that segment and every later one. `stableSlots` then says which slots ended on one provider.
///
/// The planner only records positions; the shard bytes are its owner's (the peer machine keeps them while a
/// segment is in flight).
public struct PutPlanner: Sendable {
    public enum Action: Hashable, Sendable {
        /// Send shard `slot` of segment `segment` to `provider`.
        case store(segment: Int, slot: Int, on: PeerInfo)
        /// Every shard of `segment` is stored: its bytes may go, and a place in the window is free.
        case segmentPlaced(Int)
        /// The put cannot go on.
        case fail(PutPlanFailure)
    }

    /// Segments in flight at once: enough to keep every provider busy while the next one is encoded, few enough
    /// that a put holds about `window` segments' shards in memory.
    public static let defaultWindow = 4

    /// How segments are dealt to the ring.
    public enum Mode: Hashable, Sendable {
        /// Segment s takes n consecutive providers from s·n (`RingPlacement`): load spreads evenly.
        case ringPerSegment
        /// Slot i of every segment goes to the same provider, ring[i] until it refuses a shard.
        case slotStable
    }

    public let placement: RingPlacement
    public let mode: Mode
    public let window: Int
    /// In `.slotStable` mode: the provider each slot goes to for the next segment.
    public private(set) var slotHolders: [PeerInfo]
    /// Providers that refused a shard for lack of room: skipped for the rest of the put.
    public private(set) var full: Set<PeerID> = []
    /// Segments fed so far.
    public private(set) var segmentCount = 0
    private var inFlight: [Int: SegmentPlacement] = [:]
    /// Per segment placed: shard i's ID and who took it.
    private var placed: [Int: PlacedSegment] = [:]
    /// Every shard stored so far, per holder, for confirming or (after a failure) deleting them.
    public private(set) var stored: [PeerID: StoredShards] = [:]
    /// After a failure: shards that were on their way to a provider when the put gave up. They may land, so a
    /// cleanup deletes them too.
    public private(set) var offered: [PeerID: StoredShards] = [:]
    private var failed = false

    /// `ring`: the providers with room near the file's nonce, nearest first, at least n of them.
    public init(ring: [PeerInfo], n: Int, mode: Mode = .ringPerSegment, window: Int = PutPlanner.defaultWindow) {
        placement = RingPlacement(ring: ring, n: n)
        self.mode = mode
        self.window = window
        slotHolders = Array(ring.prefix(n))
    }

    /// Segments in flight (fed and not yet placed).
    public var segmentsInFlight: Int { inFlight.count }
    /// True while another segment may be fed.
    public var hasRoom: Bool { !failed && inFlight.count < window }
    /// True when every segment fed is placed.
    public var isIdle: Bool { inFlight.isEmpty }

    /// Feeds segment `index` (the next one: segments are fed in order from 0) with its shards' IDs.
    public mutating func add(segment index: Int, shardIDs: [ShardID]) -> [Action] {
        precondition(index == segmentCount, "segment \(index) fed out of order (expected \(segmentCount))")
        precondition(shardIDs.count == placement.n, "a segment has \(placement.n) shards")
        segmentCount += 1
        guard !failed else { return [] }
        let holders = mode == .slotStable ? slotHolders : placement.holders(forSegment: index)
        var segment = SegmentPlacement(
            shardIDs: shardIDs, targets: holders,
            spares: SpareProviders(ring: placement.ring, holders: holders))
        var actions: [Action] = []
        for slot in holders.indices {
            if full.contains(holders[slot].id) {
                segment.failures[slot].append("\(holders[slot].id.shortHex): full")
                guard let spare = segment.spares.take(skipping: full) else {
                    return fail(segment: index, slot: slot, failures: segment.failures[slot])
                }
                segment.targets[slot] = spare
                if mode == .slotStable { slotHolders[slot] = spare }
            }
            actions.append(.store(segment: index, slot: slot, on: segment.targets[slot]))
        }
        inFlight[index] = segment
        return actions
    }

    /// The ID of shard `slot` of a segment in flight.
    public func shardID(segment index: Int, slot: Int) -> ShardID? { inFlight[index]?.shardIDs[slot] }

    /// Shard `slot` of `segment` is durable on `provider`.
    public mutating func stored(segment index: Int, slot: Int, on provider: PeerID) -> [Action] {
        guard !failed, var segment = inFlight[index], segment.targets[slot].id == provider,
            !segment.done[slot]
        else { return [] }
        segment.done[slot] = true
        segment.remaining -= 1
        stored[provider, default: StoredShards(holder: segment.targets[slot])].shardIDs.append(segment.shardIDs[slot])
        guard segment.remaining == 0 else {
            inFlight[index] = segment
            return []
        }
        inFlight[index] = nil
        placed[index] = PlacedSegment(shardIDs: segment.shardIDs, holders: segment.targets.map(\.id))
        return [.segmentPlaced(index)]
    }

    /// `provider` did not take shard `slot` of `segment`: `reason` says why; `full` when it said it has no room.
    public mutating func refused(
        segment index: Int, slot: Int, by provider: PeerID, full isFull: Bool,
        reason: String
    ) -> [Action] {
        guard !failed, var segment = inFlight[index], segment.targets[slot].id == provider,
            !segment.done[slot]
        else { return [] }
        if isFull { full.insert(provider) }
        segment.failures[slot].append("\(provider.shortHex): \(reason)")
        guard let spare = segment.spares.take(skipping: full) else {
            return fail(segment: index, slot: slot, failures: segment.failures[slot])
        }
        segment.targets[slot] = spare
        inFlight[index] = segment
        if mode == .slotStable, slotHolders[slot].id == provider { slotHolders[slot] = spare }
        return [.store(segment: index, slot: slot, on: spare)]
    }

    /// Once every segment is placed: segment s's shard IDs and holders, in segment order.
    public var segments: [PlacedSegment]? {
        guard !failed, inFlight.isEmpty, placed.count == segmentCount else { return nil }
        return (0..<segmentCount).map { placed[$0]! }
    }

    /// Once every segment is placed: per slot, the one provider holding its shard in every segment, or nil when
    /// the slot's shards are spread over several (a refusal moved it mid-file). In `.ringPerSegment` mode a slot
    /// is on one provider only by chance (a ring of exactly n, or one segment).
    public var stableSlots: [PeerInfo?]? {
        guard let segments, !segments.isEmpty else { return nil }
        return (0..<placement.n).map { slot in
            let holder = segments[0].holders[slot]
            guard segments.allSatisfy({ $0.holders[slot] == holder }) else { return nil }
            return stored[holder]?.holder
        }
    }

    /// Every segment fed so far, placed or still in flight: its shards' IDs, in segment order; nil once the put
    /// failed. The descriptor needs these alone, so it can be published while the last shards travel.
    public var shardIDs: [[ShardID]]? {
        guard !failed else { return nil }
        var result: [[ShardID]] = []
        result.reserveCapacity(segmentCount)
        for index in 0..<segmentCount {
            guard let ids = placed[index]?.shardIDs ?? inFlight[index]?.shardIDs else { return nil }
            result.append(ids)
        }
        return result
    }

    /// Per holder, the shards it took and their positions (segment, slot), in segment order; holders by ID.
    public func positions() -> [HolderPositions] {
        var byHolder: [PeerID: HolderPositions] = [:]
        for segment in 0..<segmentCount {
            guard let uploaded = placed[segment] else { continue }
            for (slot, holder) in uploaded.holders.enumerated() {
                guard let info = stored[holder]?.holder else { continue }
                byHolder[holder, default: HolderPositions(holder: info)].add(
                    uploaded.shardIDs[slot], segment: UInt32(segment), slot: UInt8(slot))
            }
        }
        return byHolder.values.sorted { $0.holder.id < $1.holder.id }
    }

    /// The put gives up (for its own reason or another step's): shards still on their way move to `offered`, so
    /// that a cleanup deletes them too; nothing more is placed.
    public mutating func abandon() {
        abandon(except: nil)
    }

    private mutating func abandon(except failing: (segment: Int, slot: Int)?) {
        failed = true
        for (index, placement) in inFlight {
            for i in placement.targets.indices where !placement.done[i] {
                if let failing, failing == (index, i) { continue }
                let target = placement.targets[i]
                offered[target.id, default: StoredShards(holder: target)].shardIDs.append(placement.shardIDs[i])
            }
        }
        inFlight.removeAll()
    }

    private mutating func fail(segment: Int, slot: Int, failures: [String]) -> [Action] {
        abandon(except: (segment, slot))
        return [
            .fail(
                .placementFailed(
                    segment: segment,
                    reason: "shard \(slot) was refused by every provider that holds nothing of "
                        + "the segment (\(failures.suffix(3).joined(separator: "; ")))"))
        ]
    }
}

/// Why a put planner gave up.
public enum PutPlanFailure: Hashable, Sendable {
    case placementFailed(segment: Int, reason: String)
}

/// One segment once its shards are placed: shard i's ID, and who took it.
public struct PlacedSegment: Hashable, Sendable {
    public var shardIDs: [ShardID]
    public var holders: [PeerID]
}

/// The shards one provider took during a put.
public struct StoredShards: Hashable, Sendable {
    public var holder: PeerInfo
    public var shardIDs: [ShardID] = []
}

/// What one holder took of a file: shard IDs with their positions.
public struct HolderPositions: Sendable {
    public var holder: PeerInfo
    public var shardIDs: [ShardID] = []
    public var positions: [(segment: UInt32, slot: UInt8)] = []

    public init(holder: PeerInfo) { self.holder = holder }

    public mutating func add(_ id: ShardID, segment: UInt32, slot: UInt8) {
        shardIDs.append(id)
        positions.append((segment, slot))
    }
}

/// One segment's shards while they are being stored.
struct SegmentPlacement: Sendable {
    var shardIDs: [ShardID]
    /// Who is being asked for each shard now.
    var targets: [PeerInfo]
    var spares: SpareProviders
    var done: [Bool]
    var remaining: Int
    /// Per shard, why each provider tried did not take it.
    var failures: [[String]]

    init(shardIDs: [ShardID], targets: [PeerInfo], spares: SpareProviders) {
        self.shardIDs = shardIDs
        self.targets = targets
        self.spares = spares
        done = Array(repeating: false, count: targets.count)
        remaining = targets.count
        failures = Array(repeating: [], count: targets.count)
    }
}
