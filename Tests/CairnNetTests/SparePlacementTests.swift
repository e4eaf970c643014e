@testable import CairnNet
import CairnCrypto
import CairnStorage
import CairnWire
import Testing

/// Where refused shards go (issue 6, item 8) and whether a probed file can be assembled (item 5): pure logic.
struct SparePlacementTests {
    static func ring(_ count: Int) -> [PeerInfo] {
        (0..<count).map {
            PeerInfo(id: Random.key256(), address: PeerAddress(host: "127.0.0.1", port: UInt16(4000 + $0)))
        }
    }

    @Test func everySpareOfTheRingServesAnyShardAndNoneTwice() {
        let ring = SparePlacementTests.ring(12)
        let holders = Array(ring[0..<8])
        var spares = SpareProviders(ring: ring, holders: holders)
        var taken: [PeerID] = []
        while let next = spares.take(skipping: []) { taken.append(next.id) }
        #expect(taken == ring[8..<12].map(\.id), "all four spares, in ring order, each once")
    }

    @Test func providersKnownFullAreSkipped() {
        let ring = SparePlacementTests.ring(10)
        var spares = SpareProviders(ring: ring, holders: Array(ring[0..<8]))
        #expect(spares.take(skipping: [ring[8].id])?.id == ring[9].id)
        #expect(spares.take(skipping: []) == nil)
    }

    @Test func nineProvidersOneFullStillPlaceEverySegment() {
        // The case of the issue: 9 providers, n = 8, one full. Each segment has one spare, and every shard of
        // the segment may use it, not only the shard dealt the same index.
        let ring = SparePlacementTests.ring(9)
        let placement = Placement(ring: ring, n: 8)
        let full = ring[4].id
        for segment in 0..<10 {
            let holders = placement.holders(forSegment: segment)
            var spares = SpareProviders(ring: ring, holders: holders)
            for holder in holders where holder.id == full {
                let spare = spares.take(skipping: [full])
                #expect(spare != nil && spare!.id != full && !holders.contains { $0.id == spare!.id })
            }
        }
    }

    static func manifest(k: Int, n: Int, holders: [[PeerID]]) -> Manifest {
        let parameters = CodingParameters(segmentSize: 4096, k: k, n: n)
        let segments = holders.map { row in
            Manifest.Segment(plaintextLength: 4096, shardLength: parameters.shardLength(forPlaintextLength: 4096),
                             shardIDs: row.map { _ in Random.key256() }, holders: row)
        }
        return Manifest(fileName: "f", fileSize: UInt64(4096 * holders.count), parameters: parameters,
                        fileNonce: Random.key256(), segments: segments, created: .zero,
                        owner: Identity.generate().publicKey, sealedKey: [])
    }

    @Test func aSegmentWithFewerThanKShardsAvailableIsNamedWithItsReason() {
        let peers = (0..<4).map { _ in Random.key256() }
        let manifest = Self.manifest(
            k: 2, n: 3, holders: [[peers[0], peers[1], peers[2]], [peers[1], peers[2], peers[3]]])
        var availability = ShardAvailability()
        availability.held[peers[0]] = Set(manifest.shardIDs(heldBy: peers[0]))
        availability.held[peers[1]] = Set(manifest.shardIDs(heldBy: peers[1]))
        availability.held[peers[2]] = []
        availability.unreachable = [peers[3]]
        #expect(availability.firstShortSegment(of: manifest) != nil)
        let short = availability.firstShortSegment(of: manifest)
        #expect(short?.segment == 1)
        #expect(short?.reason == "only 1 of the 2 shards needed are available (holders \(peers[3].shortHex) "
            + "unreachable; \(peers[2].shortHex) lacks shard 1)")
        #expect(availability.firstShortSegment(of: manifest, after: 1) == nil)
        availability.held[peers[3]] = Set(manifest.shardIDs(heldBy: peers[3]))
        #expect(availability.firstShortSegment(of: manifest) == nil)
    }
}

/// Orders name at most 65,535 shards (a u16 count): a holder of more gets several, none dropped.
struct OrderBatchTests {
    @Test func batchesCoverEveryItemInOrderWithinTheLimit() {
        #expect(FileService.batches([Int](), of: 3) == [[]])
        #expect(FileService.batches([1, 2, 3, 4, 5, 6, 7], of: 3) == [[1, 2, 3], [4, 5, 6], [7]])
        let many = Array(0..<(ConfirmOrder.maxShards + 2))
        let batches = FileService.batches(many, of: ConfirmOrder.maxShards)
        #expect(batches.map(\.count) == [ConfirmOrder.maxShards, 2])
        #expect(batches.flatMap { $0 } == many)
    }
}
