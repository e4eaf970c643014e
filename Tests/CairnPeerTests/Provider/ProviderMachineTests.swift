import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// The provider side of the peer machine driven event by event: requests in, store operations out, outcomes
/// in, answers out.
@Suite struct ProviderMachineTests {
    let owner = Identity.generate()

    @Test func aShardIsWrittenByTheStoreThenAnsweredStored() throws {
        var peer = ProviderHarness()
        let bytes = ByteBuffer(bytes: [1, 2, 3, 4])
        let shard = ShardCommitment.id(of: [1, 2, 3, 4])
        let file = Random.key256()
        let (id, actions) = peer.request(.putShard(id: shard, file: file, owner: owner.publicKey, bytes: bytes),
                                         now: .seconds(1_005))
        #expect(responses(actions).isEmpty, "nothing is answered before the store has the shard")
        let operations = storeOperations(actions)
        try #require(operations.count == 1)
        guard case .writeShard(shard, let reference, bytes, .seconds(1_005)) = operations[0].1 else {
            Issue.record("expected a write of the shard, got \(operations[0].1)")
            return
        }
        #expect(reference == ShardReference(file: file, owner: owner.peerID))

        let answered = peer.complete(operations[0].0, .written(new: true))
        #expect(responses(answered).map(\.0) == [id])
        #expect(onlyResponse(answered) == .storage(.stored))
        // An outcome nobody waits for (already answered) is dropped.
        #expect(peer.complete(operations[0].0, .written(new: true)).isEmpty)
    }

    @Test func aStoreFailureIsAnsweredWithItsCode() throws {
        var peer = ProviderHarness()
        let shard = Random.key256()
        let (_, actions) = peer.request(.putShard(id: shard, file: Random.key256(), owner: owner.publicKey,
                                                  bytes: ByteBuffer(bytes: [9])))
        let ticket = try #require(storeOperations(actions).first?.0)
        let mismatch = peer.complete(ticket, .failed(.shardHashMismatch(shard: shard, actual: .zero, index: nil)))
        #expect(onlyResponse(mismatch)?.remoteError?.code == .badRequest)

        let (_, full) = peer.request(.putShard(id: shard, file: Random.key256(), owner: owner.publicKey,
                                               bytes: ByteBuffer(bytes: [9])))
        let second = try #require(storeOperations(full).first?.0)
        let answer = peer.complete(second, .failed(.noCapacity(needed: 1, used: 10, capacity: 10)))
        #expect(onlyResponse(answer)?.remoteError?.code == .noCapacity)
    }

    @Test func capacityCarriesTheClockOfTheCompletion() throws {
        var peer = ProviderHarness()
        let (_, actions) = peer.request(.capacity)
        let ticket = try #require(storeOperations(actions).first?.0)
        let answer = peer.complete(ticket, .capacity(total: 100, used: 40, free: 60), now: .seconds(1_234))
        #expect(onlyResponse(answer) == .storage(.capacity(total: 100, used: 40, free: 60, now: .seconds(1_234))))
    }

    @Test func forgedDeleteAndConfirmationAreRefusedBeforeTheStore() throws {
        var peer = ProviderHarness()
        let shards = [Random.key256(), Random.key256()]
        let mallory = Identity.generate()
        // Signed by mallory, claiming to be the owner.
        var delete = DeleteOrder(fileID: Random.key256(), fileNonce: Random.key256(), shardIDs: shards, owner: mallory,
                                 issued: .seconds(1))
        delete.owner = owner.publicKey
        let (_, deleted) = peer.request(.delete(delete))
        #expect(storeOperations(deleted).isEmpty)
        #expect(onlyResponse(deleted)?.remoteError?.code == .refused)
        #expect(onlyResponse(deleted)?.remoteError?.message.contains("bad signature") == true)

        // Signed by the owner, then one more shard slipped in.
        var confirm = ConfirmOrder(fileID: Random.key256(), fileNonce: Random.key256(), shardIDs: shards, owner: owner,
                                   issued: .seconds(1))
        confirm.shardIDs.append(Random.key256())
        let (_, confirmed) = peer.request(.confirm(confirm))
        #expect(storeOperations(confirmed).isEmpty)
        #expect(onlyResponse(confirmed)?.remoteError?.code == .refused)
    }

    @Test func aSignedDeleteReleasesOnlyTheOwnersReferenceForThatFile() throws {
        var peer = ProviderHarness()
        let order = DeleteOrder(fileID: Random.key256(), fileNonce: Random.key256(), shardIDs: [Random.key256()],
                                owner: owner, issued: .seconds(1))
        let (_, actions) = peer.request(.delete(order))
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .deleteFile(order.fileID, let reference, order.shardIDs, owner.publicKey) = operation else {
            Issue.record("expected the file's deletion, got \(operation)")
            return
        }
        #expect(reference == ShardReference(file: order.fileNonce, owner: owner.peerID))
        #expect(onlyResponse(peer.complete(ticket, .deleted(shards: 1))) == .storage(.deleted(shards: 1)))
    }

    @Test func aConfirmationSignsThePlacementWithTheCompletionsClockWhenEveryShardIsKept() throws {
        var peer = ProviderHarness()
        let entries = [PlacementRecord.Entry(slot: 1, segments: 0..<2)]
        let order = ConfirmOrder(fileID: Random.key256(), fileNonce: Random.key256(),
                                 shardIDs: [Random.key256(), Random.key256()], entries: entries, owner: owner,
                                 issued: .seconds(1))
        let (_, actions) = peer.request(.confirm(order))
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .confirmShards(let reference, order.shardIDs, limit: .none) = operation else {
            Issue.record("expected a confirmation, got \(operation)")
            return
        }
        #expect(reference == ShardReference(file: order.fileNonce, owner: owner.peerID))
        let answer = peer.complete(ticket, .confirmed(kept: 2), now: .seconds(2_000))
        guard case .storage(.confirmed(2, let record?))? = onlyResponse(answer) else {
            Issue.record("expected a signed placement record, got \(answer)")
            return
        }
        #expect(record.holder == peer.identity.peerID)
        #expect(record.fileID == order.fileID && record.entries == entries)
        #expect(record.addresses == [ProviderHarness.address])
        #expect(record.issued == .seconds(2_000) && record.isValid(now: .seconds(2_001)))

        // One shard missing: the count says so, and no record claims the positions.
        let (_, again) = peer.request(.confirm(order))
        let second = try #require(storeOperations(again).first?.0)
        #expect(onlyResponse(peer.complete(second, .confirmed(kept: 1)))
            == .storage(.confirmed(shards: 1, placement: nil)))
    }

    @Test func aLocateIsAnsweredWithTheRecordsAndTheDescriptorWhenAsked() throws {
        var peer = ProviderHarness()
        let fileID = Random.key256()
        let descriptor: [UInt8] = [1, 2, 3]
        let records: [UInt8] = [9, 9]
        for wanted in [true, false] {
            let (_, actions) = peer.request(.locate(fileID: fileID, descriptor: wanted))
            let (ticket, operation) = try #require(storeOperations(actions).first)
            guard case .loadPlacement(fileID) = operation else {
                Issue.record("expected the file's descriptor and records read, got \(operation)")
                return
            }
            let answer = onlyResponse(peer.complete(ticket, .placement(descriptor: descriptor, records: records)))
            #expect(answer == .storage(.located(descriptor: wanted ? ByteBuffer(bytes: descriptor) : nil,
                                                placement: ByteBuffer(bytes: records))))
        }
        // Together past one blob's limit: the descriptor goes alone, as the reader would not ask this keeper
        // for it again, and other keepers' records will do.
        let large = [UInt8](repeating: 7, count: StorageRequest.maxBlobBytes)
        let (_, actions) = peer.request(.locate(fileID: fileID, descriptor: true))
        let ticket = try #require(storeOperations(actions).first?.0)
        #expect(onlyResponse(peer.complete(ticket, .placement(descriptor: large, records: records)))
            == .storage(.located(descriptor: ByteBuffer(bytes: large), placement: nil)))
    }

    @Test func aDescriptorThatDoesNotHashToItsKeyIsRefused() throws {
        var peer = ProviderHarness()
        let descriptor = try testDescriptor(owner: owner)
        let encoded = descriptor.encoded()
        let (_, wrong) = peer.request(.putBlob(kind: .descriptor, key: Random.key256(), provider: nil,
                                               bytes: ByteBuffer(bytes: encoded)))
        #expect(storeOperations(wrong).isEmpty)
        #expect(onlyResponse(wrong)?.remoteError?.message.contains("does not hash to its key") == true)

        let (_, right) = peer.request(.putBlob(kind: .descriptor, key: SHA256.hash(encoded), provider: nil,
                                               bytes: ByteBuffer(bytes: encoded)))
        let (ticket, operation) = try #require(storeOperations(right).first)
        guard case .putBlob(.descriptor, SHA256.hash(encoded), encoded, owner.publicKey) = operation else {
            Issue.record("expected the descriptor kept for its owner, got \(operation)")
            return
        }
        #expect(onlyResponse(peer.complete(ticket, .done)) == .storage(.stored))
    }

    @Test func aProviderRecordForAnotherKeyRefusesTheBlob() throws {
        var peer = ProviderHarness()
        let descriptor = try testDescriptor(owner: owner).encoded()
        let record = ProviderRecord(key: Random.key256(), identity: owner, addresses: [ProviderHarness.address],
                                    expires: ProviderHarness.start + .seconds(60))
        let (_, actions) = peer.request(.putBlob(kind: .descriptor, key: SHA256.hash(descriptor), provider: record,
                                                 bytes: ByteBuffer(bytes: descriptor)))
        #expect(storeOperations(actions).isEmpty)
        #expect(onlyResponse(actions)?.remoteError?.message.contains("it is for another key") == true)
    }

    @Test func adoptionRefusesPositionsOutsideTheDescriptor() throws {
        var peer = ProviderHarness()
        let descriptor = try testDescriptor(owner: owner, segments: 3)
        let encoded = ByteBuffer(bytes: descriptor.encoded())
        for entries in [[PlacementRecord.Entry(slot: 4, segments: 0..<1)],
                        [PlacementRecord.Entry(slot: 0, segments: 2..<4)]] {
            let (_, actions) = peer.request(.adopt(descriptor: encoded, entries: entries))
            #expect(storeOperations(actions).isEmpty)
            #expect(onlyResponse(actions)?.remoteError?.code == .badRequest)
        }

        // Inside: the named shards are confirmed for the descriptor's nonce and owner, all or nothing.
        let entries = [PlacementRecord.Entry(slot: 3, segments: 1..<3)]
        let (_, actions) = peer.request(.adopt(descriptor: encoded, entries: entries))
        let (ticket, operation) = try #require(storeOperations(actions).first)
        guard case .confirmShards(let reference, let ids, limit: .none) = operation else {
            Issue.record("expected a confirmation, got \(operation)")
            return
        }
        #expect(reference == ShardReference(file: descriptor.fileNonce, owner: owner.peerID))
        #expect(ids == [descriptor.shardIDs[1][3], descriptor.shardIDs[2][3]])
        #expect(onlyResponse(peer.complete(ticket, .confirmed(kept: 1)))?.remoteError?.code == .notFound)

        let (_, again) = peer.request(.adopt(descriptor: encoded, entries: entries))
        let second = try #require(storeOperations(again).first?.0)
        guard case .storage(.confirmed(2, let record?))? = onlyResponse(peer.complete(second, .confirmed(kept: 2)))
        else {
            Issue.record("expected a placement record for the adopted positions")
            return
        }
        #expect(record.fileID == SHA256.hash(descriptor.encoded()) && record.entries == entries)

        // A forged descriptor adopts nothing.
        var forged = descriptor
        forged.created = .seconds(5)
        let (_, refused) = peer.request(.adopt(descriptor: ByteBuffer(bytes: forged.encoded()), entries: entries))
        #expect(storeOperations(refused).isEmpty)
        #expect(onlyResponse(refused)?.remoteError?.code == .refused)
    }

    @Test func aPeerWithoutAProviderConfigRefusesStorage() {
        var machine = PeerMachine(identity: .generate(), config: PeerMachineConfig())
        machine.handle(.started(ProviderHarness.address), now: .seconds(1))
        _ = machine.takeActions()
        machine.handle(.requestReceived(InboundID(rawValue: 1), .storage(.capacity), from: nil,
                                        remote: Identity.generate().peerID), now: .seconds(2))
        let actions = machine.takeActions()
        #expect(storeOperations(actions).isEmpty)
        #expect(onlyResponse(actions)?.remoteError?.message == "this peer does not store data")
        #expect(onlyResponse(actions)?.remoteError?.code == .noCapacity, "not counted as a keeper by a blob round")
    }
}
