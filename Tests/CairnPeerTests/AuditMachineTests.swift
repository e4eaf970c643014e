import CairnDHT
import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// Audits through the peer machine: a holder with its shard proves a leaf, one that kept other bytes fails.
@Suite struct AuditMachineTests {
    @Test func aHolderWithoutItsShardFailsItsAuditAndAnHonestOnePasses() throws {
        let identities = (0..<4).map { _ in Identity.generate() }
        let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 4)
        let length = parameters.shardLength(forPlaintextLength: 4096)
        let shards = (0..<4).map { _ in Random.bytes(length) }
        let ids = shards.map { ShardCommitment.id(of: $0) }
        let descriptor = try Descriptor(
            fileSize: 4096, parameters: parameters, fileNonce: Random.key256(), shardIDs: [ids], created: .zero,
            metadata: FileMetadata(name: "f"), fileKey: .random(), owner: .generate())
        let records = identities.enumerated().map { slot, holder in
            PlacementRecord(
                fileID: descriptor.fileID, holder: holder, addresses: [PeerAddress(host: "10.0.4.\(slot)", port: 1)],
                entries: PlacementRecord.entries(for: [(0, UInt8(slot))]), issued: .zero, expires: .seconds(1 << 20))
        }
        let layout = PlacedFile(
            fileID: descriptor.fileID, descriptor: descriptor,
            placement: FilePlacement(
                descriptor: descriptor, fileID: descriptor.fileID, records: records, now: .seconds(1)))
        let holders = Dictionary(
            uniqueKeysWithValues: identities.prefix(3).enumerated().map { slot, identity in
                (identity.peerID, PeerInfo(id: identity.peerID, address: PeerAddress(host: "10.0.4.\(slot)", port: 1)))
            })
        let liar = identities[1].peerID
        var network = LocateMachineTests.Network(keepers: 0) { peer, request in
            guard case .prove(_, let leaf) = request, let slot = identities.firstIndex(where: { $0.peerID == peer })
            else { return nil }
            let bytes = peer == liar ? Random.bytes(length) : shards[slot]
            let proof = bytes.withUnsafeBytes { ShardCommitment.proof(leaf: Int(leaf), of: $0) }!
            return .storage(
                .proof(
                    leaf: ByteBuffer(bytes: proof.leaf), leafCount: UInt32(proof.path.leafCount),
                    path: proof.path.path))
        }
        let challenges = (0..<4).map { StorageChallenge(slot: $0, segment: 0, leaf: 0) }
        guard
            case .audited(let failed)? = network.command(
                1, .audit(AuditOrder(layout: layout, holders: holders, challenges: challenges)))
        else {
            Issue.record("no audit: \(network.delivered)")
            return
        }
        // Slot 1 kept other bytes; slot 3's holder has no address.
        #expect(Set(failed.map(\.slot)) == [1, 3])
        #expect(network.logs.contains { $0.message == "a holder failed a storage audit" })
    }
}
