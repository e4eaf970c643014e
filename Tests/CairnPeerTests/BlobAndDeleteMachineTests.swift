import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// Storing a blob at its keepers and deleting a file, through the peer machine with no I/O.
@Suite struct BlobAndDeleteMachineTests {
    typealias Network = LocateMachineTests.Network

    @Test func aBlobIsStoredAtItsReplicasAndOneRefusalIsTolerated() {
        var refusals = 0
        var network = Network(keepers: 5) { _, request in
            guard case .putBlob = request else { return .error(RemoteError(code: .refused, message: "no")) }
            refusals += 1
            return refusals == 1 ? .error(RemoteError(code: .refused, message: "clock 2 h off")) : .storage(.stored)
        }
        let order = BlobOrder(kind: .grant, key: Random.key256(), bytes: [1, 2, 3], replicas: 3)
        guard case .blobStored(let count)? = network.command(1, .storeBlob(order)) else {
            Issue.record("not stored: \(network.delivered)")
            return
        }
        #expect(count == 2)
        #expect(network.asked.filter { if case .putBlob = $0.1 { true } else { false } }.count == 3)
    }

    @Test func aBlobTooFewKeepersTakeFailsWithTheirReasons() {
        var network = Network(keepers: 5) { _, _ in .error(RemoteError(code: .refused, message: "clock 2 h off")) }
        let order = BlobOrder(kind: .grant, key: Random.key256(), bytes: [1, 2, 3], replicas: 3)
        guard case .fileFailed(let failure)? = network.command(1, .storeBlob(order)) else {
            Issue.record("no failure: \(network.delivered)")
            return
        }
        #expect("\(failure)".contains("could not store the access grant (0 of 3 keepers)"))
        #expect("\(failure)".contains("clock 2 h off"))
    }

    @Test func deletingAFileOrdersEveryHolderAndKeeper() throws {
        let file = try GetMachineTests.Fixture()
        var network = Network(keepers: 3) { _, request in
            guard case .delete(let order) = request else { return nil }
            return .storage(.deleted(shards: order.shardIDs.count))
        }
        guard case .fileDeleted(let shards, _, _)? = network.command(1, .deleteFile(file.layout, holders: file.holders))
        else {
            Issue.record("not deleted: \(network.delivered)")
            return
        }
        #expect(shards == 8)
        let ordered = Set(network.asked.map(\.0))
        #expect(Set(file.holders.keys).isSubset(of: ordered))
        #expect(network.keepers.allSatisfy { ordered.contains($0.id) })
    }
}
