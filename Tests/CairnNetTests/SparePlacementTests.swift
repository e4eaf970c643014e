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
        let placement = RingPlacement(ring: ring, n: 8)
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

    /// A file whose segment s has shard i on `holders[s][i]`, each holder's placement record signed by it.
    static func layout(k: Int, n: Int, holders: [[Identity]]) throws -> PlacedFile {
        let parameters = CodingParameters(segmentSize: 4096, k: k, n: n)
        let ids = holders.map { row in row.map { _ in Random.key256() } }
        let descriptor = try Descriptor(
            fileSize: UInt64(4096 * holders.count), parameters: parameters, fileNonce: Random.key256(), shardIDs: ids,
            created: .zero, metadata: FileMetadata(name: "f"), fileKey: FileKey.random(), owner: .generate())
        let fileID = descriptor.fileID
        var positions: [PeerID: (Identity, [(segment: UInt32, slot: UInt8)])] = [:]
        for (segment, row) in holders.enumerated() {
            for (slot, holder) in row.enumerated() {
                positions[holder.peerID, default: (holder, [])].1.append((UInt32(segment), UInt8(slot)))
            }
        }
        let records = positions.values.map { holder, held in
            PlacementRecord(fileID: fileID, holder: holder, addresses: [PeerAddress(host: "127.0.0.1", port: 1)],
                            entries: PlacementRecord.entries(for: held), issued: .zero, expires: .seconds(1_000_000))
        }
        let placement = FilePlacement(descriptor: descriptor, fileID: fileID, records: records, now: .seconds(1))
        return PlacedFile(fileID: fileID, descriptor: descriptor, placement: placement)
    }

    @Test func aSegmentWithFewerThanKShardsAvailableIsNamedWithItsReason() throws {
        let holders = (0..<4).map { _ in Identity.generate() }
        let peers = holders.map(\.peerID)
        let manifest = try Self.layout(
            k: 2, n: 3, holders: [[holders[0], holders[1], holders[2]], [holders[1], holders[2], holders[3]]])
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
