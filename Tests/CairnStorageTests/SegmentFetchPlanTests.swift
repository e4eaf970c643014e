import CairnCrypto
import CairnStorage
import CairnWire
import Testing

/// The get planner of one segment, event by event, with no I/O.
@Suite struct SegmentFetchPlanTests {
    let holders = (0..<8).map { _ in Random.key256() }

    func fetches(_ actions: [SegmentFetchPlan.Action]) -> [Int] {
        actions.compactMap { if case .fetch(let slot) = $0 { slot } else { nil } }
    }

    @Test func asksForTheDataShardsFirstAndDecodesWithK() {
        var plan = SegmentFetchPlan(holders: holders, k: 4, reachable: Set(holders), suspects: [])
        let start = plan.start(now: .seconds(10))
        #expect(fetches(start) == [0, 1, 2, 3])
        #expect(start.contains(.armHedge(at: Instant.seconds(10) + SegmentFetchPlan.hedgeDelay)))
        for slot in 0..<3 { #expect(plan.fetched(slot: slot, now: .seconds(10)).isEmpty) }
        #expect(plan.fetched(slot: 3, now: .seconds(10)) == [.decode(slots: [0, 1, 2, 3])])
        // Late answers and timers after the end change nothing.
        #expect(plan.hedgeFired(now: .seconds(12)).isEmpty)
    }

    @Test func failuresAreReplacedAndSuspectsAskedLast() {
        let suspects: Set<PeerID> = [holders[1]]
        var plan = SegmentFetchPlan(holders: holders, k: 4, reachable: Set(holders), suspects: suspects)
        #expect(fetches(plan.start(now: .zero)) == [0, 2, 3, 4])
        #expect(fetches(plan.failed(slot: 2, reason: "timeout", now: .zero)) == [5])
        for slot in [0, 3, 4] { _ = plan.fetched(slot: slot, now: .zero) }
        #expect(plan.fetched(slot: 5, now: .zero) == [.decode(slots: [0, 3, 4, 5])])
    }

    @Test func aSlowAnswerIsHedgedAndACorruptShardReplaced() {
        var plan = SegmentFetchPlan(holders: holders, k: 2, reachable: Set(holders), suspects: [])
        _ = plan.start(now: .zero)
        _ = plan.fetched(slot: 0, now: .zero)
        let hedge = plan.hedgeFired(now: .milliseconds(1500))
        #expect(fetches(hedge) == [2])
        #expect(hedge.contains(.armHedge(at: .milliseconds(3000))))
        #expect(plan.fetched(slot: 2, now: .milliseconds(1600)) == [.decode(slots: [0, 2])])
        // Shard 2 turns out corrupt: the slow shard 1 is still in flight, and one more is asked for.
        let replaced = plan.corrupt(slot: 2, now: .milliseconds(1700))
        #expect(fetches(replaced).isEmpty)
        #expect(plan.fetched(slot: 1, now: .seconds(2)) == [.decode(slots: [0, 1])])
    }

    @Test func givesUpWithTheReasonsWhenTooFewCanBeHad() {
        let unknown = holders.enumerated().map { $0.offset < 6 ? PeerID.zero : $0.element }
        var plan = SegmentFetchPlan(holders: unknown, k: 4, reachable: Set(holders), suspects: [])
        let start = plan.start(now: .zero)
        #expect(fetches(start) == [6, 7])
        _ = plan.fetched(slot: 6, now: .zero)
        let end = plan.failed(slot: 7, reason: "connection refused", now: .zero)
        guard case .fail(let reason)? = end.last else {
            Issue.record("no failure: \(end)")
            return
        }
        #expect(reason.contains("only 1 of the 4 shards"))
        #expect(reason.contains("connection refused"))
    }
}
