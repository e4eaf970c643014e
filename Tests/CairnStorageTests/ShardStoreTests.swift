import CairnCrypto
import CairnStorage
import CairnWire
import Foundation
import Testing

@Suite struct ShardStoreTests {
    func shard(_ size: Int, seed: UInt64) -> (ShardID, [UInt8]) {
        let bytes = pseudoRandomBytes(size, seed: seed)
        return (ShardCommitment.id(of: bytes), bytes)
    }

    @Test func writeThenReadAcrossReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let (id, bytes) = shard(5_000, seed: 1)
        let reference = ShardReference(file: Random.key256(), owner: Random.key256())
        do {
            let store = try ShardStore(root: directory.path, capacity: 1 << 20)
            #expect(try store.write(bytes, id: id, reference: reference, now: .seconds(42)))
            #expect(try store.write(bytes, id: id, now: .seconds(43)) == false)
            #expect(try store.read(id) == bytes)
            #expect(try store.used() == 5_000)
            #expect(try store.free() == (1 << 20) - 5_000)
            let hex = id.hex
            #expect(store.path(of: id).hasSuffix("/shards/\(hex.prefix(2))/\(hex)"))
        }
        let reopened = try ShardStore(root: directory.path, capacity: 1 << 20)
        #expect(reopened.recovery == ShardStoreRecovery())
        #expect(try reopened.read(id) == bytes)
        #expect(try reopened.shard(id) == StoredShard(id: id, size: 5_000, storedAt: .seconds(42),
                                                      references: [reference]))
        #expect(try reopened.used() == 5_000)
    }

    @Test func bytesThatDoNotMatchTheIDAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let (id, bytes) = shard(100, seed: 2)
        var forged = bytes
        forged[0] ^= 1
        #expect(throws: StorageError.shardHashMismatch(shard: id, actual: ShardCommitment.id(of: forged), index: nil)) {
            try store.write(forged, id: id, now: .zero)
        }
        #expect(try !store.contains(id))
        #expect(try store.used() == 0)
        #expect(!FileManager.default.fileExists(atPath: store.path(of: id)))
    }

    @Test func capacityIsEnforcedWithTheNumbers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 10_000)
        let (a, aBytes) = shard(6_000, seed: 3)
        let (b, bBytes) = shard(6_000, seed: 4)
        try store.write(aBytes, id: a, now: .zero)
        #expect(throws: StorageError.noCapacity(needed: 6_000, used: 6_000, capacity: 10_000)) {
            try store.write(bBytes, id: b, now: .zero)
        }
        #expect(try !store.contains(b))
        #expect(try store.free() == 4_000)
        try store.delete(a)
        #expect(try store.write(bBytes, id: b, now: .zero))
        #expect(try store.used() == 6_000)
        #expect(StorageError.noCapacity(needed: 6_000, used: 6_000, capacity: 10_000).description
            .contains("6000 of 10000 bytes are used"))
    }

    /// What a provider serves: the shard read straight into a buffer, checked against its ID like `read`.
    @Test(arguments: [1, 4_095, 4_096, 1 << 20])
    func aShardIsReadIntoABufferOfItsOwnSize(size: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 4 << 20)
        let (id, bytes) = shard(size, seed: UInt64(size))
        try store.write(bytes, id: id, now: .zero)
        #expect(Array(try store.readBuffer(id).readableBytesView) == bytes)
        var rotten = bytes
        rotten[size / 2] ^= 0x01
        try Data(rotten).write(to: URL(fileURLWithPath: store.path(of: id)))
        let error = #expect(throws: StorageError.self) { try store.readBuffer(id) }
        guard case .corruptShard(let named, _)? = error else {
            Issue.record("expected corruptShard, got \(String(describing: error))")
            return
        }
        #expect(named == id)
        #expect(throws: StorageError.shardNotFound(id)) { try store.readBuffer(id) }
    }

    @Test func corruptShardOnDiskIsQuarantinedAndNeverReturned() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let (id, bytes) = shard(2_048, seed: 5)
        try store.write(bytes, id: id, now: .zero)
        var rotten = bytes
        rotten[1_000] ^= 0x10
        try Data(rotten).write(to: URL(fileURLWithPath: store.path(of: id)))

        let error = #expect(throws: StorageError.self) { try store.read(id) }
        guard case .corruptShard(let named, let quarantined)? = error else {
            Issue.record("expected corruptShard, got \(String(describing: error))")
            return
        }
        #expect(named == id)
        #expect(quarantined.contains("/quarantine/"))
        #expect(FileManager.default.contents(atPath: quarantined) == Data(rotten))
        #expect(try !store.contains(id))
        #expect(try store.used() == 0)
        #expect(throws: StorageError.shardNotFound(id)) { try store.read(id) }
        // Once a good copy arrives again it is accepted.
        #expect(try store.write(bytes, id: id, now: .zero))
        #expect(try store.read(id) == bytes)
    }

    @Test func crashLeftoversAreCleanedAtOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let (kept, keptBytes) = shard(300, seed: 6)
        let (lost, lostBytes) = shard(400, seed: 7)
        let (unindexed, unindexedBytes) = shard(500, seed: 8)
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        try store.write(keptBytes, id: kept, now: .zero)
        try store.write(lostBytes, id: lost, now: .zero)
        // A crash mid-write leaves a temporary file; one between rename and commit leaves an unindexed shard;
        // and an indexed file can vanish behind the store's back.
        let temporary = directory.path + "/tmp/\(unindexed.hex).1234.tmp"
        try Data(unindexedBytes.prefix(100)).write(to: URL(fileURLWithPath: temporary))
        let unindexedPath = store.path(of: unindexed)
        try FileManager.default.createDirectory(atPath: (unindexedPath as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(unindexedBytes).write(to: URL(fileURLWithPath: unindexedPath))
        try FileManager.default.removeItem(atPath: store.path(of: lost))

        let reopened = try ShardStore(root: directory.path, capacity: 1 << 20)
        var expected = ShardStoreRecovery()
        expected.removedTemporaryFiles = 1
        expected.removedUnindexedFiles = 1
        expected.droppedMissingEntries = 1
        #expect(reopened.recovery == expected)
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(!FileManager.default.fileExists(atPath: unindexedPath))
        #expect(try reopened.read(kept) == keptBytes)
        #expect(try !reopened.contains(lost))
        #expect(try reopened.used() == 300)
        #expect(try reopened.count() == 1)
    }

    @Test func aShardWhoseFileVanishedCanBeStoredAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let (id, bytes) = shard(700, seed: 9)
        try store.write(bytes, id: id, now: .zero)
        try FileManager.default.removeItem(atPath: store.path(of: id))
        #expect(try store.write(bytes, id: id, now: .seconds(1)))
        #expect(try store.read(id) == bytes)
        #expect(try store.used() == 700)
    }

    @Test func shardsByFileAndDeletesByOwner() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let fileA = Random.key256()
        let alice = Random.key256()
        let bob = Random.key256()
        var aliceShards: [ShardID] = []
        for seed in 0..<5 {
            let (id, bytes) = shard(100 + seed, seed: UInt64(10 + seed))
            let reference = ShardReference(file: seed < 3 ? fileA : Random.key256(), owner: seed < 4 ? alice : bob)
            try store.write(bytes, id: id, reference: reference, now: .seconds(Int64(seed)))
            if seed < 4 { aliceShards.append(id) }
        }
        #expect(try store.shards(ofFile: fileA).count == 3)
        #expect(try Set(store.shards(ownedBy: alice).map(\.id)) == Set(aliceShards))
        #expect(try store.deleteShards(ownedBy: alice) == 4)
        #expect(try store.count() == 1)
        #expect(try store.used() == 104)
        #expect(try store.delete(aliceShards[0]) == false)
        for id in aliceShards { #expect(!FileManager.default.fileExists(atPath: store.path(of: id))) }
    }

    /// Issue 6, item 1: byte-identical shards of two files (the zero padding of tiny segments) are stored once;
    /// one owner's delete must not take the other file's shard, nor the same owner's other file's.
    @Test func aSharedShardStaysUntilItsLastReferenceIsReleased() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let padding = [UInt8](repeating: 0, count: 3)
        let id = ShardCommitment.id(of: padding)
        let alice = Random.key256()
        let bob = Random.key256()
        let aliceFile = ShardReference(file: Random.key256(), owner: alice)
        let aliceSecondFile = ShardReference(file: Random.key256(), owner: alice)
        let bobFile = ShardReference(file: Random.key256(), owner: bob)
        #expect(try store.write(padding, id: id, reference: aliceFile, now: .seconds(1)))
        #expect(try store.write(padding, id: id, reference: bobFile, now: .seconds(2)) == false)
        #expect(try store.write(padding, id: id, reference: aliceSecondFile, now: .seconds(3)) == false)
        #expect(try store.used() == 3)
        #expect(try store.shard(id)?.references == [aliceFile, aliceSecondFile, bobFile])

        // A forged or repeated release changes nothing.
        #expect(try store.release(id, reference: ShardReference(file: aliceFile.file, owner: bob)) == .notReferenced)
        #expect(try store.release(id, reference: aliceFile) == .stillReferenced)
        #expect(try store.release(id, reference: aliceFile) == .notReferenced)
        #expect(try store.read(id) == padding)
        #expect(try store.release(id, reference: aliceSecondFile) == .stillReferenced)
        #expect(try store.read(id) == padding)
        // The references survive a reopen.
        let reopened = try ShardStore(root: directory.path, capacity: 1 << 20)
        #expect(try reopened.shard(id)?.references == [bobFile])
        #expect(try reopened.release(id, reference: bobFile) == .deleted)
        #expect(try !reopened.contains(id))
        #expect(try reopened.used() == 0)
        #expect(!FileManager.default.fileExists(atPath: reopened.path(of: id)))
        // Stored afresh after the last release, it is kept for its new reference only.
        #expect(try reopened.write(padding, id: id, reference: bobFile, now: .seconds(4)))
        #expect(try reopened.shard(id)?.references == [bobFile])
    }

    @Test func concurrentWritersOfOneShardEachGetTheirReference() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 1 << 20)
        let bytes = pseudoRandomBytes(50_000, seed: 77)
        let id = ShardCommitment.id(of: bytes)
        let references = (0..<16).map { _ in ShardReference(file: Random.key256(), owner: Random.key256()) }
        let newlyWritten = await withTaskGroup(of: Bool.self) { group in
            for reference in references {
                group.addTask { (try? store.write(bytes, id: id, reference: reference, now: .zero)) ?? false }
            }
            var count = 0
            for await written in group where written { count += 1 }
            return count
        }
        #expect(newlyWritten == 1)
        #expect(try store.shard(id)?.references == Set(references))
        #expect(try store.used() == 50_000)
    }

    @Test func shardIDsFromOutsideMustBeHex() throws {
        #expect(throws: StorageError.invalidShardID("../../etc/passwd")) {
            try ShardStore.shardID(parsing: "../../etc/passwd")
        }
        let id = Random.key256()
        #expect(try ShardStore.shardID(parsing: id.hex) == id)
    }

    @Test func concurrentWritersCannotOvershootCapacity() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let store = try ShardStore(root: directory.path, capacity: 10 * 1_000)
        let accepted = await withTaskGroup(of: Bool.self) { group in
            for seed in 0..<25 {
                group.addTask {
                    let bytes = pseudoRandomBytes(1_000, seed: UInt64(100 + seed))
                    return (try? store.write(bytes, id: ShardCommitment.id(of: bytes), now: .zero)) ?? false
                }
            }
            var count = 0
            for await ok in group where ok { count += 1 }
            return count
        }
        #expect(accepted == 10)
        #expect(try store.used() == 10_000)
    }
}
