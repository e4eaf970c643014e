import CairnCrypto
import CairnWire

/// How one segment of a get is fetched (DESIGN.md §5), as a machine with no I/O: it says which shard to ask
/// for, when to hedge, when to decode and when to give up; the driver carries that out and reports back.
///
/// The rules: ask for k shards at once, data shards first (decoding them needs no arithmetic) and holders
/// not suspected of failing before suspected ones; replace each failed or corrupt shard with the next one;
/// while answers are slow, ask for one more every `hedgeDelay`; decode as soon as k verified shards are in;
/// fail, with the reasons, once every holder has been tried.
public struct SegmentFetchPlan: Sendable {
    public enum Action: Hashable, Sendable {
        /// Ask the holder of shard `slot` for it.
        case fetch(slot: Int)
        /// Report `hedgeFired` at this instant unless the segment is done by then.
        case armHedge(at: Instant)
        /// These k shards are in: decode them (each is verified against its ID on the way).
        case decode(slots: [Int])
        /// Not enough shards can be had.
        case fail(reason: String)
    }

    /// How long answers may take before one more shard is asked for.
    public static let hedgeDelay: Duration = .milliseconds(1500)

    let k: Int
    let holders: [PeerID]
    /// Slots in the order they are asked for.
    let order: [Int]
    var cursor = 0
    var inFlight: Set<Int> = []
    var held: Set<Int> = []
    var failures: [String] = []
    var done = false

    /// `holders[i]` holds shard i (`.zero` when unknown); `reachable` are the holders with an address;
    /// `suspects` failed earlier in this get and are asked last.
    public init(holders: [PeerID], k: Int, reachable: Set<PeerID>, suspects: Set<PeerID>) {
        self.k = k
        self.holders = holders
        order = holders.indices.sorted { a, b in
            let (aBad, bBad) = (suspects.contains(holders[a]), suspects.contains(holders[b]))
            return aBad != bBad ? !aBad : a < b
        }
        .filter { holders[$0] != .zero && reachable.contains(holders[$0]) }
        failures = holders.indices.filter { holders[$0] == .zero || !reachable.contains(holders[$0]) }
            .map { "the holder of shard \($0) is unknown or unreachable" }
    }

    public mutating func start(now: Instant) -> [Action] {
        var actions = requestUpToK()
        actions.append(.armHedge(at: now + Self.hedgeDelay))
        return actions + settle()
    }

    /// Shard `slot` arrived (not yet verified: a bad one comes back through `corrupt`).
    public mutating func fetched(slot: Int, now: Instant) -> [Action] {
        guard inFlight.remove(slot) != nil else { return [] }
        // A hedged answer that comes after the decode is kept: it replaces a shard found corrupt at once.
        held.insert(slot)
        guard !done else { return [] }
        return settle()
    }

    /// The request for shard `slot` failed or found nothing.
    public mutating func failed(slot: Int, reason: String, now: Instant) -> [Action] {
        guard inFlight.remove(slot) != nil else { return [] }
        failures.append("shard \(slot) from \(holders[slot].shortHex): \(reason)")
        guard !done else { return [] }
        return requestUpToK() + settle()
    }

    /// Shard `slot` did not match its ID when decoding: dropped, and another asked for.
    public mutating func corrupt(slot: Int, now: Instant) -> [Action] {
        guard held.remove(slot) != nil else { return [] }
        done = false
        failures.append("shard \(slot) from \(holders[slot].shortHex) was corrupt")
        return requestUpToK() + settle()
    }

    /// Answers are slow: one more request, and the next hedge armed.
    public mutating func hedgeFired(now: Instant) -> [Action] {
        guard !done else { return [] }
        var actions = requestOne().map { [$0] } ?? []
        if cursor < order.count { actions.append(.armHedge(at: now + Self.hedgeDelay)) }
        return actions + settle()
    }

    /// The holders of the shards this plan gave up on or found corrupt, for the caller's health record.
    public var failureReasons: [String] { failures }

    private mutating func requestUpToK() -> [Action] {
        var actions: [Action] = []
        while inFlight.count + held.count < k, let action = requestOne() { actions.append(action) }
        return actions
    }

    private mutating func requestOne() -> Action? {
        guard cursor < order.count else { return nil }
        let slot = order[cursor]
        cursor += 1
        inFlight.insert(slot)
        return .fetch(slot: slot)
    }

    /// Decode once k are in; fail once nothing is in flight and nobody is left to ask.
    private mutating func settle() -> [Action] {
        guard !done else { return [] }
        if held.count >= k {
            done = true
            return [.decode(slots: held.sorted().prefix(k).map { $0 })]
        }
        if inFlight.isEmpty && cursor >= order.count {
            done = true
            return [.fail(reason: "only \(held.count) of the \(k) shards needed could be fetched ("
                + failures.suffix(4).joined(separator: "; ") + ")")]
        }
        return []
    }
}
