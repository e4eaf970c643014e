import CairnPeer
import CairnSim
import CairnStorage
import CairnWire
import NIOCore
import Testing

/// The simulator's shard stores keep the disk store's rules: IDs checked on write, one copy per ID, a shard
/// goes with its last reference, pending references reclaimed, capacity enforced.
@Suite struct MemoryShardStoreTests {
    let owner = Identity.generate().peerID

    static func stores() -> [(any ShardStoring, (([UInt8]) -> ByteBuffer))] {
        [(MemoryShardStore(capacity: 1_000), { ByteBuffer(bytes: $0) }),
         (SyntheticShardStore(capacity: 1_000), {
             SyntheticShard(id: ShardCommitment.id(of: $0), length: UInt64($0.count)).encoded
         })]
    }

    /// Issue 9 item 2: a confirmation beyond the kept-bytes limit is refused and changes nothing; a shard
    /// already kept confirmed by another file adds nothing to the count.
    @Test(arguments: [0, 1])
    func aConfirmationOverTheLimitIsRefusedAndChangesNothing(store index: Int) throws {
        let (store, payload) = Self.stores()[index]
        let kept = ShardReference(file: Random.key256(), owner: owner)
        let more = ShardReference(file: Random.key256(), owner: owner)
        let shards = (0..<3).map { [UInt8](repeating: UInt8($0), count: 100) }
        let ids = shards.map { ShardCommitment.id(of: $0) }
        try store.write(payload(shards[0]), id: ids[0], reference: kept, confirmed: true, now: .seconds(1))
        for i in 0..<3 {
            try store.write(payload(shards[i]), id: ids[i], reference: more, confirmed: false, now: .seconds(1))
        }
        // 100 bytes kept; confirming the second file keeps 300: over a limit of 250.
        let limit = KeptBytesLimit(allowance: 200, underAgreements: 50)
        #expect(throws: StorageError.freeAllowanceUsed(allowance: 200, outsideAgreements: 250)) {
            try store.confirm(file: more.file, owner: owner, shards: ids, limit: limit)
        }
        #expect(try store.reclaimPending(addedBefore: .seconds(2))
            == ShardStore.PendingReclaim(references: 3, shards: 2), "nothing was confirmed")
        for i in 1..<3 {
            try store.write(payload(shards[i]), id: ids[i], reference: more, confirmed: false, now: .seconds(3))
        }
        try store.write(payload(shards[0]), id: ids[0], reference: more, confirmed: false, now: .seconds(3))
        // Within a limit of 300 it goes through; the shared shard counts once.
        #expect(try store.confirm(file: more.file, owner: owner, shards: ids,
                                  limit: KeptBytesLimit(allowance: 300, underAgreements: 0)) == 3)
        #expect(try store.reclaimPending(addedBefore: .seconds(4)) == ShardStore.PendingReclaim())
    }

    @Test(arguments: [0, 1])
    func sharedShardsGoWithTheirLastReference(store index: Int) throws {
        let (store, payload) = Self.stores()[index]
        let bytes = [UInt8](repeating: 7, count: 300)
        let id = ShardCommitment.id(of: bytes)
        let first = ShardReference(file: Random.key256(), owner: owner)
        let second = ShardReference(file: Random.key256(), owner: owner)
        #expect(try store.write(payload(bytes), id: id, reference: first, confirmed: true, now: .seconds(1)))
        #expect(try !store.write(payload(bytes), id: id, reference: second, confirmed: true, now: .seconds(1)))
        #expect(try store.used() == 300 && store.free() == 700)
        #expect(try store.contains([id, Random.key256()]) == [true, false])
        #expect(try store.readShard(id) == payload(bytes))
        #expect(try store.release(id, reference: first) == .stillReferenced)
        #expect(try store.release(id, reference: first) == .notReferenced)
        #expect(try store.release(id, reference: second) == .deleted)
        #expect(try store.used() == 0)
        #expect(throws: StorageError.shardNotFound(id)) { try store.readShard(id) }
    }

    @Test(arguments: [0, 1])
    func wrongBytesAndOverflowAreRefused(store index: Int) throws {
        let (store, payload) = Self.stores()[index]
        let reference = ShardReference(file: Random.key256(), owner: owner)
        let bytes = [UInt8](repeating: 1, count: 600)
        do {
            try store.write(payload(bytes), id: Random.key256(), reference: reference, confirmed: false, now: .zero)
            Issue.record("bytes of another shard were taken")
        } catch StorageError.shardHashMismatch {
        }
        try store.write(payload(bytes), id: ShardCommitment.id(of: bytes), reference: reference, confirmed: false,
                        now: .zero)
        let more = [UInt8](repeating: 2, count: 600)
        do {
            try store.write(payload(more), id: ShardCommitment.id(of: more), reference: reference, confirmed: false,
                            now: .zero)
            Issue.record("a shard past the capacity was taken")
        } catch StorageError.noCapacity {
        }
    }

    @Test(arguments: [0, 1])
    func pendingReferencesOlderThanTheCutoffAreReclaimedConfirmedOnesStay(store index: Int) throws {
        let (store, payload) = Self.stores()[index]
        let file = Random.key256()
        let reference = ShardReference(file: file, owner: owner)
        let shards = (0..<3).map { [UInt8](repeating: UInt8($0), count: 10) }
        let ids = shards.map { ShardCommitment.id(of: $0) }
        for (bytes, id) in zip(shards, ids) {
            try store.write(payload(bytes), id: id, reference: reference, confirmed: false, now: .seconds(10))
        }
        #expect(try store.confirm(file: file, owner: owner, shards: [ids[0], Random.key256()], limit: nil) == 1)
        #expect(try store.reclaimPending(addedBefore: .seconds(10)) == ShardStore.PendingReclaim())
        #expect(try store.reclaimPending(addedBefore: .seconds(11))
            == ShardStore.PendingReclaim(references: 2, shards: 2))
        #expect(try store.contains(ids) == [true, false, false])
    }

    @Test func onlyTheRealStoreProves() throws {
        let bytes = [UInt8](repeating: 3, count: 5_000)
        let id = ShardCommitment.id(of: bytes)
        let reference = ShardReference(file: Random.key256(), owner: owner)
        let real = MemoryShardStore(capacity: 10_000)
        try real.write(ByteBuffer(bytes: bytes), id: id, reference: reference, confirmed: true, now: .zero)
        let (leaf, path) = try #require(try real.proof(leaf: 1, of: id))
        #expect(leaf.count == ShardCommitment.leafSize && path.leafIndex == 1)
        #expect(try real.proof(leaf: 99, of: id) == nil)

        let synthetic = SyntheticShardStore(capacity: 10_000)
        try synthetic.write(SyntheticShard(id: id, length: 5_000).encoded, id: id, reference: reference,
                            confirmed: true, now: .zero)
        #expect(throws: StorageError.self) { try synthetic.proof(leaf: 1, of: id) }
    }

    @Test func aSyntheticTokenVerifiesOnlyAsItsShardAndLength() {
        let id = Random.key256()
        let token = SyntheticShard(id: id, length: 1_048_576).encoded
        #expect(token.readableBytes == SyntheticShard.encodedLength)
        #expect(SyntheticShard.verifies(token, as: id, length: 1_048_576))
        #expect(!SyntheticShard.verifies(token, as: id, length: 1_048_575))
        #expect(!SyntheticShard.verifies(token, as: Random.key256(), length: 1_048_576))
        #expect(SyntheticShard(decoding: ByteBuffer(bytes: [UInt8](repeating: 0, count: 48))) == nil)
        var truncated = token
        truncated.moveWriterIndex(to: token.writerIndex - 1)
        #expect(SyntheticShard(decoding: truncated) == nil)
    }

    @Test func blobsAreDeletedOnlyByTheirOwner() {
        let blobs = MemoryBlobStore()
        let owner = Identity.generate().publicKey
        let key = Random.key256()
        blobs.put(kind: .descriptor, key: key, bytes: [1, 2], owner: owner)
        #expect(blobs.get(kind: .descriptor, key: key) == [1, 2])
        #expect(blobs.get(kind: .placement, key: key) == nil)
        #expect(!blobs.delete(kind: .descriptor, key: key, owner: Identity.generate().publicKey))
        #expect(blobs.delete(kind: .descriptor, key: key, owner: owner))
        #expect(blobs.get(kind: .descriptor, key: key) == nil)
    }
}
