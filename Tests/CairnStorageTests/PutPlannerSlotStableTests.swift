import CairnCrypto
import CairnStorage
import CairnWire
import Testing

/// The planner's slot-stable mode (a put that opens storage agreements): slot i of every segment on one
/// provider, a refused slot moved to a spare for that segment and every later one.
struct PutPlannerSlotStableTests {
    typealias T = PutPlannerTests

    /// Stores every shard `actions` send, in order; returns what the planner says back.
    static func storeAll(_ planner: inout PutPlanner, _ actions: [PutPlanner.Action]) -> [PutPlanner.Action] {
        T.stores(actions).flatMap { planner.stored(segment: $0.segment, slot: $0.slot, on: $0.provider.id) }
    }

    @Test func slotIOfEverySegmentGoesToTheSameProvider() {
        let ring = T.ring(10)
        var planner = PutPlanner(ring: ring, n: 4, mode: .slotStable)
        for segment in 0..<3 {
            let stores = T.stores(planner.add(segment: segment, shardIDs: T.ids(4)))
            #expect(stores.map(\.provider) == Array(ring[0..<4]))
            #expect(stores.map(\.slot) == [0, 1, 2, 3])
            for store in stores { _ = planner.stored(segment: segment, slot: store.slot, on: store.provider.id) }
        }
        #expect(planner.stableSlots == ring[0..<4].map { Optional($0) })
    }

    @Test func aRefusedSlotMovesToASpareForThatAndLaterSegmentsAndLosesItsStableProvider() {
        let ring = T.ring(10)
        var planner = PutPlanner(ring: ring, n: 4, mode: .slotStable)
        let first = T.stores(planner.add(segment: 0, shardIDs: T.ids(4)))
        for store in first where store.slot != 2 {
            _ = planner.stored(segment: 0, slot: store.slot, on: store.provider.id)
        }
        let retry = T.stores(planner.refused(segment: 0, slot: 2, by: ring[2].id, full: false, reason: "down"))
        #expect(retry.map(\.provider) == [ring[4]], "the nearest provider not holding the segment")
        _ = planner.stored(segment: 0, slot: 2, on: ring[4].id)
        #expect(planner.slotHolders.map(\.id) == [ring[0], ring[1], ring[4], ring[3]].map(\.id))
        // Later segments: slot 2 goes to the spare from the start.
        let second = T.stores(planner.add(segment: 1, shardIDs: T.ids(4)))
        #expect(second.map(\.provider) == [ring[0], ring[1], ring[4], ring[3]])
        let added2 = planner.add(segment: 2, shardIDs: T.ids(4))
        _ = Self.storeAll(&planner, added2)
        for store in second { _ = planner.stored(segment: 1, slot: store.slot, on: store.provider.id) }
        // Every shard of slot 2 is on ring[4]: it stays stable.
        #expect(planner.stableSlots?.map { $0?.id } == [ring[0], ring[1], ring[4], ring[3]].map(\.id))
    }

    @Test func aSlotMovedAfterItsFirstSegmentsHasNoStableProvider() {
        let ring = T.ring(6)
        var planner = PutPlanner(ring: ring, n: 4, mode: .slotStable)
        let added0 = planner.add(segment: 0, shardIDs: T.ids(4))
        _ = Self.storeAll(&planner, added0)
        let second = T.stores(planner.add(segment: 1, shardIDs: T.ids(4)))
        for store in second where store.slot != 1 {
            _ = planner.stored(segment: 1, slot: store.slot, on: store.provider.id)
        }
        let retry = T.stores(planner.refused(segment: 1, slot: 1, by: ring[1].id, full: true, reason: "full"))
        #expect(retry.map(\.provider) == [ring[4]])
        _ = planner.stored(segment: 1, slot: 1, on: ring[4].id)
        // Segment 0's slot 1 is on ring[1], segment 1's on ring[4]: no one provider holds the slot.
        #expect(planner.stableSlots?.map { $0?.id } == [ring[0].id, nil, ring[2].id, ring[3].id])
        // A provider found full is skipped by the slot in later segments too.
        let third = T.stores(planner.add(segment: 2, shardIDs: T.ids(4)))
        #expect(third.map(\.provider) == [ring[0], ring[4], ring[2], ring[3]])
    }

    @Test func ringPerSegmentModeIsUnchangedByDefault() {
        let ring = T.ring(10)
        var planner = PutPlanner(ring: ring, n: 4)
        #expect(planner.mode == .ringPerSegment)
        let added0 = planner.add(segment: 0, shardIDs: T.ids(4))
        _ = Self.storeAll(&planner, added0)
        let added1 = planner.add(segment: 1, shardIDs: T.ids(4))
        _ = Self.storeAll(&planner, added1)
        #expect(planner.stableSlots?.allSatisfy { $0 == nil } == true)
    }

    @Test func stableSlotsIsNilUntilEverySegmentIsPlaced() {
        var planner = PutPlanner(ring: T.ring(4), n: 4, mode: .slotStable)
        #expect(planner.stableSlots == nil)
        _ = planner.add(segment: 0, shardIDs: T.ids(4))
        #expect(planner.stableSlots == nil)
    }
}
