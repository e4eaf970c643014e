import CairnCrypto
import CairnStorage
import CairnWire
import Testing

/// The get planner driven event by event: data shards first, failures and corrupt shards replaced, slow
/// answers hedged, the window of segments ahead.
struct GetPlannerTests {
    static let holders: [PeerID] = (0..<8).map { SHA256.hash([UInt8($0)]) }

    func planner(segments: Int = 1, suspects: Set<PeerID> = []) -> GetPlanner {
        GetPlanner(
            holders: Array(repeating: Self.holders, count: segments), k: 4, segments: Array(0..<segments),
            reachable: Set(Self.holders), suspects: suspects)
    }

    func fetches(_ actions: [GetPlanner.Action]) -> [Int] {
        actions.compactMap { if case .fetch(_, let slot, _) = $0 { slot } else { nil } }
    }

    @Test func dataShardsAreAskedForFirstAndAHedgeIsArmed() {
        var get = planner()
        let actions = get.start(now: .seconds(10))
        #expect(fetches(actions) == [0, 1, 2, 3])
        #expect(actions.contains(.armHedge(segment: 0, at: Instant.seconds(10) + SegmentFetchPlan.hedgeDelay)))
    }

    @Test func aFailedHolderIsReplacedAndAskedLastByLaterSegments() {
        var get = planner(segments: 6)
        _ = get.start(now: .zero)
        #expect(fetches(get.failed(segment: 0, slot: 1, reason: "reset", now: .zero)) == [4])
        #expect(get.suspects == [Self.holders[1]])
        // Segment 4 starts once segment 0 is consumed: its holder 1 comes after every other.
        let later = get.consumed(before: 1, now: .zero)
        #expect(fetches(later) == [0, 2, 3, 4])
    }

    @Test func aCorruptShardIsReplacedAndTheSegmentIsReadyAgain() {
        var get = planner()
        _ = get.start(now: .zero)
        var ready: [GetPlanner.Action] = []
        for slot in 0..<4 { ready += get.fetched(segment: 0, slot: slot, now: .zero) }
        #expect(ready == [.ready(segment: 0, slots: [0, 1, 2, 3])])
        let replacement = get.corrupt(segment: 0, slot: 2, now: .zero)
        #expect(fetches(replacement) == [4])
        #expect(get.fetched(segment: 0, slot: 4, now: .zero) == [.ready(segment: 0, slots: [0, 1, 3, 4])])
    }

    @Test func aSlowHolderIsHedgedWhenTheTimerFires() {
        var get = planner()
        _ = get.start(now: .zero)
        for slot in 1..<4 { _ = get.fetched(segment: 0, slot: slot, now: .zero) }
        let hedge = get.hedgeFired(segment: 0, now: Instant.zero + SegmentFetchPlan.hedgeDelay)
        #expect(fetches(hedge) == [4])
        #expect(get.fetched(segment: 0, slot: 4, now: .seconds(2)) == [.ready(segment: 0, slots: [1, 2, 3, 4])])
        // The slow answer that comes after is ignored.
        #expect(get.fetched(segment: 0, slot: 0, now: .seconds(3)).isEmpty)
    }

    @Test func aSegmentWithTooFewHoldersFailsWithTheReasons() {
        var get = planner()
        _ = get.start(now: .zero)
        var actions: [GetPlanner.Action] = []
        for slot in 0..<8 { actions += get.failed(segment: 0, slot: slot, reason: "refused", now: .zero) }
        guard case .fail(0, let reason)? = actions.last else {
            Issue.record("no failure: \(actions)")
            return
        }
        #expect(reason.contains("only 0 of the 4 shards needed could be fetched"))
    }

    @Test func fourSegmentsAreFetchedAheadAndTheWindowMovesWhenOneIsConsumed() {
        var get = planner(segments: 6)
        let first = get.start(now: .zero)
        #expect(Set(first.compactMap { if case .fetch(let s, _, _) = $0 { s } else { nil } }) == [0, 1, 2, 3])
        let next = get.consumed(before: 2, now: .zero)
        #expect(Set(next.compactMap { if case .fetch(let s, _, _) = $0 { s } else { nil } }) == [4, 5])
        #expect(!get.isActive(0) && !get.isActive(1) && get.isActive(5))
    }
}
