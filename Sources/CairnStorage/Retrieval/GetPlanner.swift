import CairnCrypto
import CairnWire

/// Which shards a get fetches, segment after segment (DESIGN.md §5), as a machine with no I/O: one
/// `SegmentFetchPlan` per segment in the window (data shards first, failed and corrupt shards replaced, slow
/// answers hedged), and the holders that failed during this get asked last by every later segment.
///
/// The window: shards are fetched for at most `window` segments the driver has not consumed yet, so that
/// memory stays at a few segments whatever the file's size, and the next segments are on their way while the
/// driver decodes and streams one. The driver consumes segments in the order given (`consumed(through:)`).
public struct GetPlanner: Sendable {
    public enum Action: Hashable, Sendable {
        /// Ask `holder` for shard `slot` of `segment`.
        case fetch(segment: Int, slot: Int, holder: PeerID)
        /// Report `hedgeFired(segment:)` at this instant unless the segment is done by then.
        case armHedge(segment: Int, at: Instant)
        /// These k shards of `segment` are in: decode them (each is verified on the way).
        case ready(segment: Int, slots: [Int])
        /// `segment` cannot be had.
        case fail(segment: Int, reason: String)
    }

    /// Segments fetched ahead of the one being consumed.
    public static let defaultWindow = 4

    let holders: [[PeerID]]
    let k: Int
    let reachable: Set<PeerID>
    /// Holders that failed or served a corrupt shard during this get.
    public private(set) var suspects: Set<PeerID>
    /// The segments wanted, in the order the driver consumes them.
    let order: [Int]
    /// `order[..<started]` have (or had) a plan.
    var started = 0
    /// `order[..<consumed]` are consumed by the driver.
    var consumed = 0
    var plans: [Int: SegmentFetchPlan] = [:]
    public let window: Int

    /// `holders[s][i]` holds shard i of segment s (`.zero` when unknown); `reachable`: the holders with an
    /// address; `suspects`: holders known to be down (a probe's unreachable ones), asked last.
    public init(
        holders: [[PeerID]], k: Int, segments: [Int], reachable: Set<PeerID>, suspects: Set<PeerID> = [],
        window: Int = GetPlanner.defaultWindow
    ) {
        self.holders = holders
        self.k = k
        self.reachable = reachable
        self.suspects = suspects
        order = segments
        self.window = window
    }

    /// The first segment wanted, if any.
    public var firstSegment: Int? { order.first }

    /// Holders a probe found down: segments planned from now on ask them last.
    public mutating func suspect(_ peers: Set<PeerID>) {
        suspects.formUnion(peers)
    }

    /// Starts the first `window` segments.
    public mutating func start(now: Instant) -> [Action] {
        fill(now: now)
    }

    /// Shard `slot` of `segment` arrived (not yet verified: a bad one comes back through `corrupt`).
    public mutating func fetched(segment: Int, slot: Int, now: Instant) -> [Action] {
        guard var plan = plans[segment] else { return [] }
        let actions = plan.fetched(slot: slot, now: now)
        plans[segment] = plan
        return translate(actions, segment: segment)
    }

    /// The request for shard `slot` of `segment` failed or timed out: its holder becomes a suspect.
    public mutating func failed(segment: Int, slot: Int, reason: String, now: Instant) -> [Action] {
        guard var plan = plans[segment] else { return [] }
        suspects.insert(holders[segment][slot])
        let actions = plan.failed(slot: slot, reason: reason, now: now)
        plans[segment] = plan
        return translate(actions, segment: segment)
    }

    /// Shard `slot` of `segment` did not match its ID: dropped, its holder a suspect, another asked for.
    public mutating func corrupt(segment: Int, slot: Int, now: Instant) -> [Action] {
        guard var plan = plans[segment] else { return [] }
        suspects.insert(holders[segment][slot])
        let actions = plan.corrupt(slot: slot, now: now)
        plans[segment] = plan
        return translate(actions, segment: segment)
    }

    public mutating func hedgeFired(segment: Int, now: Instant) -> [Action] {
        guard var plan = plans[segment] else { return [] }
        let actions = plan.hedgeFired(now: now)
        plans[segment] = plan
        return translate(actions, segment: segment)
    }

    /// The driver is done with every wanted segment before `segment` (it asks for `segment` next): their plans
    /// go, and the window moves on.
    public mutating func consumed(before segment: Int, now: Instant) -> [Action] {
        // Segments are asked for in order: the one wanted is among the started ones or the next.
        guard order[consumed..<min(order.count, started + 1)].contains(segment) else { return [] }
        while consumed < order.count, order[consumed] != segment {
            plans[order[consumed]] = nil
            consumed += 1
        }
        return fill(now: now)
    }

    /// True while `segment` is in the window (started and not consumed).
    public func isActive(_ segment: Int) -> Bool { plans[segment] != nil }

    private mutating func fill(now: Instant) -> [Action] {
        var actions: [Action] = []
        while started < order.count, started - consumed < window {
            let segment = order[started]
            started += 1
            var plan = SegmentFetchPlan(holders: holders[segment], k: k, reachable: reachable, suspects: suspects)
            let first = plan.start(now: now)
            plans[segment] = plan
            actions += translate(first, segment: segment)
        }
        return actions
    }

    private func translate(_ actions: [SegmentFetchPlan.Action], segment: Int) -> [Action] {
        actions.map { action in
            switch action {
            case .fetch(let slot): .fetch(segment: segment, slot: slot, holder: holders[segment][slot])
            case .armHedge(let instant): .armHedge(segment: segment, at: instant)
            case .decode(let slots): .ready(segment: segment, slots: slots)
            case .fail(let reason): .fail(segment: segment, reason: reason)
            }
        }
    }
}
