import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// A repair through the peer machine, event by event: sources fetched and replaced when corrupt, the rebuilt
/// shard placed on a provider that holds nothing of the segment (past one that is full), adopted, published.
@Suite struct RepairMachineTests {
    /// The fixture's one-segment file with shard 7 missing and the rest healthy.
    static func orderWithSlot7Missing(_ file: GetMachineTests.Fixture) -> RepairOrder {
        var states = [[PositionState]](repeating: .init(repeating: .healthy, count: 8), count: 1)
        states[0][7] = .missing
        return RepairOrder(layout: file.layout, holders: file.holders, states: states)
    }

    @Test func aMissingShardIsRebuiltOntoANewProviderAndPublished() throws {
        let file = try GetMachineTests.Fixture()
        let adopter = Identity.generate()
        var refusedOnce = false
        let peers = (0..<6).map { _ in Identity.generate() }
        let me = Identity.generate()
        var network = LocateMachineTests.Network(keepers: 6, identities: peers, me: me) { peer, request in
            switch request {
            case .capacity: return .storage(.capacity(total: 1 << 30, used: 0, free: 1 << 30, now: nil))
            case .getShard: return .storage(.shard(ByteBuffer(bytes: [7, 7, 7])))
            case .putShard:
                defer { refusedOnce = true }
                return refusedOnce ? .storage(.stored) : .error(RemoteError(code: .noCapacity, message: "full"))
            case .adopt(_, let entries):
                // The adopting peer's own record: the repairer passes on no other.
                let record = PlacementRecord(
                    fileID: file.layout.fileID, holder: (peers + [me]).first { $0.peerID == peer } ?? adopter, addresses: [],
                    entries: entries, issued: .zero, expires: .seconds(1 << 20))
                return .storage(.confirmed(shards: 1, placement: record))
            case .putBlob: return .storage(.stored)
            default: return nil
            }
        }
        let order = Self.orderWithSlot7Missing(file)
        guard case .repairSources(let sources)? = network.command(1, .startRepair(order)) else {
            Issue.record("no sources: \(network.delivered)")
            return
        }
        #expect(sources.slots == [0, 1, 2, 3], "data shards first")
        #expect(sources.targets == [7])
        guard
            case .repairSources(let again)? = network.command(
                2, .repairSourcesRejected(repair: CommandID(rawValue: 1), slots: [1]))
        else {
            Issue.record("no replacement: \(network.delivered)")
            return
        }
        #expect(again.slots == [0, 2, 3, 4])
        let rebuilt = network.command(
            3, .repairRebuilt(repair: CommandID(rawValue: 1), shards: [7: ByteBuffer(bytes: [1])]))
        guard case .repairFinished(let summary)? = rebuilt else {
            Issue.record("not finished: \(String(describing: rebuilt))")
            return
        }
        #expect(summary.rebuilt == 1)
        let offers = network.asked.compactMap { if case .putShard = $0.1 { $0.0 } else { nil } }
        #expect(offers.count == 2, "the full provider, then the next")
        #expect(summary.newHolders == [offers[1]])
        #expect(!file.layout.segments[0].holders.contains(offers[1]), "a provider that holds nothing of the segment")
        let placements = network.asked.compactMap {
            if case .putBlob(.placement, _, _, let bytes) = $0.1 { bytes } else { nil }
        }
        let published = try PlacementRecord.decodeList(Array(try #require(placements.first).readableBytesView))
        #expect(published.count == file.layout.placement.records.count + 1)
    }

    /// A source holder that never answers costs no timeout: k + `fetchHedge` sources are asked at once and the
    /// first k that come are used; the rest stand in for rejected ones.
    @Test func aSilentSourceDoesNotHoldTheRepairUp() throws {
        let file = try GetMachineTests.Fixture()
        let dead = file.layout.segments[0].holders[0]
        var network = LocateMachineTests.Network(keepers: 6) { peer, request in
            switch request {
            case .capacity: return .storage(.capacity(total: 1 << 30, used: 0, free: 1 << 30, now: nil))
            case .getShard: return peer == dead ? nil : .storage(.shard(ByteBuffer(bytes: [7, 7, 7])))
            default: return nil
            }
        }
        let order = Self.orderWithSlot7Missing(file)
        guard case .repairSources(let sources)? = network.command(1, .startRepair(order)) else {
            Issue.record("no sources without waiting for the silent holder: \(network.delivered)")
            return
        }
        #expect(sources.slots == [1, 2, 3, 4])
        let asked = network.asked.compactMap { if case .getShard = $0.1 { $0.0 } else { nil } }
        #expect(asked.count == 4 + 2, "k + 2 asked at once")
        guard
            case .repairSources(let again)? = network.command(
                2, .repairSourcesRejected(repair: CommandID(rawValue: 1), slots: [2]))
        else {
            Issue.record("no stand-in: \(network.delivered)")
            return
        }
        #expect(again.slots == [1, 3, 4, 5], "the hedge's extra shard stands in")
    }

    @Test func moreSilentSourcesThanTheHedgeCostSecondsNotTheTimeout() throws {
        let file = try GetMachineTests.Fixture()
        let dead = Set(file.layout.segments[0].holders[0..<3])
        var network = LocateMachineTests.Network(keepers: 6) { peer, request in
            switch request {
            case .capacity: return .storage(.capacity(total: 1 << 30, used: 0, free: 1 << 30, now: nil))
            case .getShard: return dead.contains(peer) ? nil : .storage(.shard(ByteBuffer(bytes: [7, 7, 7])))
            default: return nil
            }
        }
        #expect(network.command(1, .startRepair(Self.orderWithSlot7Missing(file))) == nil, "3 of k = 4 so far")
        network.advance(by: .seconds(2))
        #expect(network.delivered.isEmpty, "no one more asked before the hedge delay")
        network.advance(by: .seconds(2))
        guard case .repairSources(let sources)? = network.delivered.last?.1 else {
            Issue.record("no sources 4 s in, with the 30 s timeout far off: \(network.delivered)")
            return
        }
        #expect(sources.slots == [3, 4, 5, 6])
    }
}
