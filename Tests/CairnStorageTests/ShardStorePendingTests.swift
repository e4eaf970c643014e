import CairnCrypto
import CairnStorage
import CairnWire
import Foundation
import Testing

/// Pending references and reclaim (issue 6, item 6), and a store's room as its disk sees it (item 8).
@Suite struct ShardStorePendingTests {
    func shard(_ size: Int, seed: UInt64) -> (ShardID, [UInt8]) {
        let bytes = pseudoRandomBytes(size, seed: seed)
        return (ShardCommitment.id(of: bytes), bytes)
    }

    /// Issue 9 item 2: a confirmation that would keep more confirmed bytes than the limit is refused, and the
    /// references stay pending.
    @Test func aConfirmationOverTheKeptBytesLimitIsRefusedAndChangesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let owner = Random.key256()
        let (kept, more) = (Random.key256(), Random.key256())
        let (a, aBytes) = shard(1_000, seed: 1)
        let (b, bBytes) = shard(2_000, seed: 2)
        try store.write(aBytes, id: a, reference: ShardReference(file: kept, owner: owner), confirmed: true,
                        now: .seconds(10))
        try store.write(bBytes, id: b, reference: ShardReference(file: more, owner: owner), confirmed: false,
                        now: .seconds(10))
        let limit = KeptBytesLimit(allowance: 2_000, underAgreements: 500)
        #expect(throws: StorageError.freeAllowanceUsed(allowance: 2_000, outsideAgreements: 2_500)) {
            try store.confirm(file: more, owner: owner, shards: [b], limit: limit)
        }
        #expect(try store.isPending(b, file: more, owner: owner), "the refusal changed nothing")
        #expect("\(StorageError.freeAllowanceUsed(allowance: 64 << 20, outsideAgreements: 70_000_000))"
            == "the free allowance of 64 MiB is used: 70000000 bytes would be kept outside agreements; this file "
            + "needs an agreement with this provider")
        #expect(try store.confirm(file: more, owner: owner, shards: [b],
                                  limit: KeptBytesLimit(allowance: 2_500, underAgreements: 500)) == 1)
        #expect(try !store.isPending(b, file: more, owner: owner))
    }

    @Test func pendingShardsAreReclaimedAfterTheGraceAndConfirmedOnesStay() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let owner = Random.key256()
        let (done, abandoned) = (Random.key256(), Random.key256())
        let (a, aBytes) = shard(1_000, seed: 1)
        let (b, bBytes) = shard(2_000, seed: 2)
        try store.write(aBytes, id: a, reference: ShardReference(file: done, owner: owner), confirmed: false,
                        now: .seconds(10))
        try store.write(bBytes, id: b, reference: ShardReference(file: abandoned, owner: owner), confirmed: false,
                        now: .seconds(10))
        #expect(try store.isPending(a, file: done, owner: owner))
        #expect(try store.confirm(file: done, owner: owner, shards: [a, b]) == 1, "b is not kept for that file")
        #expect(try !store.isPending(a, file: done, owner: owner))
        #expect(try store.isPending(b, file: abandoned, owner: owner))

        // Not old enough yet: nothing goes.
        #expect(try store.reclaimPending(addedBefore: .seconds(10)) == .init())
        #expect(try store.reclaimPending(addedBefore: .seconds(11)) == .init(references: 1, shards: 1))
        #expect(try store.contains(a))
        #expect(try !store.contains(b))
        #expect(try store.used() == 1_000)
        #expect(try store.pendingReferences().isEmpty)
    }

    @Test func aPendingReferenceToASharedShardGoesAndTheShardStays() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let (id, bytes) = shard(500, seed: 3)
        let kept = ShardReference(file: Random.key256(), owner: Random.key256())
        let abandoned = ShardReference(file: Random.key256(), owner: Random.key256())
        try store.write(bytes, id: id, reference: kept, now: .seconds(1))
        try store.write(bytes, id: id, reference: abandoned, confirmed: false, now: .seconds(2))
        #expect(try store.reclaimPending(addedBefore: .seconds(100)) == .init(references: 1, shards: 0))
        #expect(try store.shard(id)?.references == [kept])
        #expect(try store.read(id) == bytes)
    }

    @Test func aConfirmedReferenceStaysConfirmedWhenItsShardIsWrittenAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let (id, bytes) = shard(500, seed: 4)
        let reference = ShardReference(file: Random.key256(), owner: Random.key256())
        try store.write(bytes, id: id, reference: reference, confirmed: false, now: .seconds(1))
        #expect(try store.confirm(file: reference.file, owner: reference.owner, shards: [id]) == 1)
        try store.write(bytes, id: id, reference: reference, confirmed: false, now: .seconds(5))
        #expect(try !store.isPending(id, file: reference.file, owner: reference.owner))
        #expect(try store.reclaimPending(addedBefore: .seconds(100)) == .init())
        #expect(try store.contains(id))
    }

    @Test func pendingStateSurvivesAReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let (id, bytes) = shard(700, seed: 5)
        let reference = ShardReference(file: Random.key256(), owner: Random.key256())
        do {
            let store = try ShardStore(root: directory.path, capacity: 1 << 20)
            try store.write(bytes, id: id, reference: reference, confirmed: false, now: .seconds(3))
        }
        let reopened = try ShardStore(root: directory.path, capacity: 1 << 20)
        #expect(try reopened.pendingReferences().map(\.shard) == [id])
        #expect(try reopened.reclaimPending(addedBefore: .seconds(4)) == .init(references: 1, shards: 1))
        #expect(try reopened.count() == 0)
    }

    /// A disk with less room than the capacity: the store counts on the disk's room, and refuses with
    /// `diskFull` (which a provider answers as "no capacity"), never an I/O error.
    @Test func theDisksOwnFreeSpaceBoundsWhatIsOfferedAndAccepted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let roomy = try ShardStore(root: directory.path + "/roomy", capacity: 1 << 20)
        #expect(try roomy.free() == 1 << 20)
        // A reserve larger than any disk leaves no room at all.
        let full = try ShardStore(root: directory.path + "/full", capacity: 1 << 20, diskReserve: .max)
        #expect(try full.free() == 0)
        let (id, bytes) = shard(100, seed: 6)
        let error = #expect(throws: StorageError.self) { try full.write(bytes, id: id, now: .seconds(1)) }
        guard case .diskFull(let needed, _, _)? = error else {
            Issue.record("expected diskFull, got \(String(describing: error))")
            return
        }
        #expect(needed == 100)
        #expect(try full.count() == 0)
    }
}
