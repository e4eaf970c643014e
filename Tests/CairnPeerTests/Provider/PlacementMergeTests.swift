@testable import CairnPeer
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// How a keeper merges placement records, and that the machine serializes merges of one file.
@Suite struct PlacementMergeTests {
    let owner = Identity.generate()
    let holderA = Identity.generate()
    let holderB = Identity.generate()
    let fileID = Random.key256()
    let address = PeerAddress(host: "10.0.0.7", port: 1)

    func record(_ holder: Identity, _ entries: [PlacementRecord.Entry], issued: Int64, lifetime: Int64 = 1_000_000)
        -> PlacementRecord
    {
        PlacementRecord(fileID: fileID, holder: holder, addresses: [address], entries: entries,
                        issued: .seconds(issued), expires: .seconds(issued + lifetime))
    }

    @Test func theNewestRecordPerHolderAndPositionsIsKept() {
        let slot0 = [PlacementRecord.Entry(slot: 0, segments: 0..<4)]
        let slot1 = [PlacementRecord.Entry(slot: 1, segments: 0..<4)]
        let old = record(holderA, slot0, issued: 100)
        let new = record(holderA, slot0, issued: 200)
        let other = record(holderA, slot1, issued: 50)
        let theirs = record(holderB, slot0, issued: 10)
        let expired = record(holderB, slot1, issued: 10, lifetime: 5)
        let merged = PlacementMerge.merge(kept: [new, other, expired], incoming: [old, theirs], now: .seconds(400))
        #expect(Set(merged) == [new, other, theirs])
        // The order does not depend on which side a record came from.
        #expect(PlacementMerge.merge(kept: [old, theirs], incoming: [new, other], now: .seconds(400))
            == PlacementMerge.merge(kept: [other, new], incoming: [theirs, old], now: .seconds(400)))
    }

    @Test func theMachineMergesWithWhatIsKeptAndQueuesASecondMergeOfTheSameFile() throws {
        var peer = ProviderHarness()
        let descriptor = try testDescriptor(owner: owner)
        let slot0 = [PlacementRecord.Entry(slot: 0, segments: 0..<3)]
        let kept = record(holderA, slot0, issued: 100)
        let newer = record(holderA, slot0, issued: 500)
        let fromB = record(holderB, slot0, issued: 600)
        let now = ProviderHarness.start

        let (first, actions) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil,
                                                     bytes: ByteBuffer(bytes: PlacementRecord.encodeList([newer]))))
        let (load, loadOperation) = try #require(storeOperations(actions).first)
        guard case .loadPlacement(fileID) = loadOperation else {
            Issue.record("expected a load of what is kept, got \(loadOperation)")
            return
        }
        // A second merge of the same file waits until the first has written.
        let (second, queued) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil,
                                                     bytes: ByteBuffer(bytes: PlacementRecord.encodeList([fromB]))))
        #expect(queued.isEmpty)

        let loaded = peer.complete(load, .placement(descriptor: descriptor.encoded(),
                                                    records: PlacementRecord.encodeList([kept])), now: now)
        let (write, writeOperation) = try #require(storeOperations(loaded).first)
        guard case .putBlob(.placement, fileID, let bytes, owner.publicKey) = writeOperation else {
            Issue.record("expected the merged records written for the descriptor's owner, got \(writeOperation)")
            return
        }
        #expect(try PlacementRecord.decodeList(bytes) == [newer])

        let written = peer.complete(write, .done, now: now)
        #expect(responses(written).map(\.0) == [first])
        #expect(onlyResponse(written) == .storage(.stored))
        // Only now does the queued merge read, and it sees the first one's records.
        let (load2, _) = try #require(storeOperations(written).first)
        let loaded2 = peer.complete(load2, .placement(descriptor: descriptor.encoded(), records: bytes), now: now)
        guard case .putBlob(.placement, fileID, let merged, _)? = storeOperations(loaded2).first?.1 else {
            Issue.record("expected the second merge's write")
            return
        }
        #expect(Set(try PlacementRecord.decodeList(merged)) == [newer, fromB])
        let (write2, _) = try #require(storeOperations(loaded2).first)
        #expect(responses(peer.complete(write2, .done, now: now)).map(\.0) == [second])
    }

    @Test func recordsAreRefusedWithoutADescriptorOrWhenInvalid() throws {
        var peer = ProviderHarness()
        let slot0 = [PlacementRecord.Entry(slot: 0, segments: 0..<1)]
        let (_, actions) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil, bytes: ByteBuffer(
            bytes: PlacementRecord.encodeList([record(holderA, slot0, issued: 900)]))))
        let ticket = try #require(storeOperations(actions).first?.0)
        let refused = peer.complete(ticket, .placement(descriptor: nil, records: nil))
        #expect(onlyResponse(refused)?.remoteError?.message.contains("no descriptor of") == true)
        #expect(storeOperations(refused).isEmpty)

        let expired = record(holderA, slot0, issued: 1, lifetime: 10)
        let (_, stale) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil,
                                               bytes: ByteBuffer(bytes: PlacementRecord.encodeList([expired]))))
        #expect(storeOperations(stale).isEmpty)
        #expect(onlyResponse(stale)?.remoteError?.code == .refused)
    }

    /// A record whose holder's signature fails is refused from anyone but the file's owner, once the kept
    /// descriptor says who that is; the owner's records are merged without checking their holders' signatures
    /// (40 verifications per 4-of-8 put), as the owner decides where its own file is.
    @Test func aBadHolderSignatureIsRefusedUnlessTheFilesOwnerSentTheRecords() throws {
        let descriptor = try testDescriptor(owner: owner).encoded()
        var forged = record(holderA, [PlacementRecord.Entry(slot: 0, segments: 0..<1)], issued: 900)
        forged.entries = [PlacementRecord.Entry(slot: 1, segments: 0..<1)]
        let list = ByteBuffer(bytes: PlacementRecord.encodeList([forged]))

        var peer = ProviderHarness()
        let (_, actions) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil, bytes: list),
                                        from: holderB.peerID)
        let load = try #require(storeOperations(actions).first?.0)
        let refused = peer.complete(load, .placement(descriptor: descriptor, records: nil))
        #expect(storeOperations(refused).isEmpty, "nothing is written")
        #expect(onlyResponse(refused)?.remoteError?.message.contains("bad holder signature") == true)

        let (_, fromOwner) = peer.request(.putBlob(kind: .placement, key: fileID, provider: nil, bytes: list),
                                          from: owner.peerID)
        let ownerLoad = try #require(storeOperations(fromOwner).first?.0)
        let merged = peer.complete(ownerLoad, .placement(descriptor: descriptor, records: nil))
        guard case .putBlob(.placement, fileID, let bytes, owner.publicKey)? = storeOperations(merged).first?.1 else {
            Issue.record("expected the owner's records written, got \(merged)")
            return
        }
        #expect(try PlacementRecord.decodeList(bytes) == [forged])
    }
}
