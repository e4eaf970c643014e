import CairnCrypto
import CairnStorage
import CairnWire
import Testing

/// The put planner driven event by event: ring rotation, spares, providers found full, the window.
struct PutPlannerTests {
    static func ring(_ count: Int) -> [PeerInfo] {
        (0..<count).map {
            PeerInfo(id: SHA256.hash([UInt8($0)]), address: PeerAddress(host: "h", port: UInt16(4000 + $0)))
        }
    }

    static func ids(_ n: Int) -> [ShardID] { (0..<n).map { _ in Random.key256() } }

    static func stores(_ actions: [PutPlanner.Action]) -> [(segment: Int, slot: Int, provider: PeerInfo)] {
        actions.compactMap { if case .store(let s, let i, let p) = $0 { (s, i, p) } else { nil } }
    }

    @Test func eachSegmentGoesToNConsecutiveProvidersOfTheRing() {
        let ring = Self.ring(10)
        var planner = PutPlanner(ring: ring, n: 4)
        #expect(Self.stores(planner.add(segment: 0, shardIDs: Self.ids(4))).map(\.provider) == Array(ring[0..<4]))
        #expect(Self.stores(planner.add(segment: 1, shardIDs: Self.ids(4))).map(\.provider) == Array(ring[4..<8]))
        #expect(
            Self.stores(planner.add(segment: 2, shardIDs: Self.ids(4))).map(\.provider)
                == [ring[8], ring[9], ring[0], ring[1]])
    }

    @Test func aFullProviderIsReplacedByASpareThatHoldsNothingOfTheSegmentAndSkippedAfterwards() {
        let ring = Self.ring(10)
        var planner = PutPlanner(ring: ring, n: 4)
        _ = planner.add(segment: 0, shardIDs: Self.ids(4))
        let retry = Self.stores(planner.refused(segment: 0, slot: 1, by: ring[1].id, full: true, reason: "full"))
        #expect(retry.count == 1)
        #expect(retry.first?.slot == 1)
        #expect(retry.first.map { !ring[0..<4].contains($0.provider) } == true, "a spare outside the segment")
        // A second refusal in the same segment gets yet another spare, never the one already taken.
        let again = Self.stores(planner.refused(segment: 0, slot: 2, by: ring[2].id, full: false, reason: "down"))
        #expect(again.first?.provider != retry.first?.provider)
        // Segment 2 was dealt ring[1]: it goes straight to a spare.
        _ = planner.add(segment: 1, shardIDs: Self.ids(4))
        let third = Self.stores(planner.add(segment: 2, shardIDs: Self.ids(4)))
        #expect(third.count == 4)
        #expect(!third.contains { $0.provider.id == ring[1].id })
        #expect(Set(third.map(\.provider.id)).count == 4)
    }

    @Test func aShardNoSpareTakesFailsThePutWithTheReasons() {
        let ring = Self.ring(4)
        var planner = PutPlanner(ring: ring, n: 4)
        _ = planner.add(segment: 0, shardIDs: Self.ids(4))
        let actions = planner.refused(segment: 0, slot: 3, by: ring[3].id, full: true, reason: "no room")
        guard case .fail(.placementFailed(let segment, let reason))? = actions.first else {
            Issue.record("expected a failure, got \(actions)")
            return
        }
        #expect(segment == 0)
        #expect(reason.contains("shard 3 was refused by every provider that holds nothing of the segment"))
        #expect(reason.contains("no room"))
        #expect(!planner.hasRoom)
    }

    @Test func theWindowHoldsFourSegmentsAndOpensWhenOneIsPlaced() {
        let ring = Self.ring(8)
        var planner = PutPlanner(ring: ring, n: 4)
        var first: [(segment: Int, slot: Int, provider: PeerInfo)] = []
        for segment in 0..<4 {
            #expect(planner.hasRoom)
            let stores = Self.stores(planner.add(segment: segment, shardIDs: Self.ids(4)))
            if segment == 0 { first = stores }
        }
        #expect(!planner.hasRoom)
        var placed: [PutPlanner.Action] = []
        for store in first { placed += planner.stored(segment: 0, slot: store.slot, on: store.provider.id) }
        #expect(placed == [.segmentPlaced(0)])
        #expect(planner.hasRoom)
        #expect(planner.segments == nil, "three segments are still in flight")
    }

    @Test func positionsNameEveryHolderWithItsShards() {
        let ring = Self.ring(4)
        var planner = PutPlanner(ring: ring, n: 4)
        for segment in 0..<2 {
            let stores = Self.stores(planner.add(segment: segment, shardIDs: Self.ids(4)))
            for store in stores { _ = planner.stored(segment: segment, slot: store.slot, on: store.provider.id) }
        }
        let segments = try? #require(planner.segments)
        #expect(segments?.count == 2)
        let positions = planner.positions()
        #expect(positions.count == 4)
        #expect(positions.allSatisfy { $0.shardIDs.count == 2 && $0.positions.count == 2 })
    }
}
