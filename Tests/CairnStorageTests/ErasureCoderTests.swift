import CairnCrypto
import CairnStorage
import Testing

@Suite struct ErasureCoderTests {
    @Test(arguments: [Code(k: 1, n: 2), Code(k: 2, n: 3), Code(k: 3, n: 5), Code(k: 4, n: 6), Code(k: 4, n: 8)])
    func everySubsetOfKShardsRebuildsTheData(code: Code) throws {
        let coder = try ErasureCoder(k: code.k, n: code.n)
        let length = 192
        let data = (0..<code.k).map { pseudoRandomBytes(length, seed: UInt64($0)) }
        let all = data + (try coder.encode(data: data))
        #expect(all.count == code.n)
        for subset in combinations(code.n, code.k) {
            let decoded = try coder.decode(subset.map { (index: $0, bytes: all[$0]) })
            #expect(decoded == data, "subset \(subset)")
        }
    }

    @Test(arguments: [1, 15, 63, 64, 65, 130, 1_000, 4_097])
    func anyShardLengthWorks(length: Int) throws {
        let coder = try ErasureCoder(k: 3, n: 6)
        let data = (0..<3).map { pseudoRandomBytes(length, seed: UInt64(length + $0)) }
        let all = data + (try coder.encode(data: data))
        for subset in combinations(6, 3) {
            #expect(try coder.decode(subset.map { (index: $0, bytes: all[$0]) }) == data, "subset \(subset)")
        }
    }

    @Test func singleParityOfOneDataShardIsACopy() throws {
        let coder = try ErasureCoder(k: 1, n: 2)
        let data = pseudoRandomBytes(64, seed: 9)
        #expect(try coder.encode(data: [data]) == [data])
    }

    @Test func reconstructRebuildsLostParityForRepair() throws {
        let coder = try ErasureCoder(k: 3, n: 6)
        let length = 128
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 6 * length, alignment: 64)
        defer { storage.deallocate() }
        let data = pseudoRandomBytes(3 * length, seed: 4)
        data.withUnsafeBytes { storage.copyMemory(from: $0) }
        try coder.encode(shards: storage, shardLength: length)
        let original = Array(storage)
        // Lose data shard 1 and parity shards 3 and 5; rebuild all three from 0, 2, 4.
        for lost in [1, 3, 5] {
            storage[(lost * length)..<((lost + 1) * length)].initializeMemory(as: UInt8.self, repeating: 0xEE)
        }
        try coder.reconstruct(shards: storage, shardLength: length, available: ShardSet([0, 2, 4]),
                              rebuild: ShardSet([1, 3, 5]))
        #expect(Array(storage) == original)
    }

    @Test func largeCodesWork() throws {
        let coder = try ErasureCoder(k: 10, n: 16)
        let data = (0..<10).map { pseudoRandomBytes(640, seed: UInt64(100 + $0)) }
        let all = data + (try coder.encode(data: data))
        let survivors = [15, 14, 13, 12, 11, 10, 0, 3, 5, 7]
        #expect(try coder.decode(survivors.map { (index: $0, bytes: all[$0]) }) == data)
    }

    @Test(arguments: [(0, 4), (4, 4), (5, 4), (-1, 3), (31, 33), (1, 1)])
    func outOfRangeParametersAreRefused(k: Int, n: Int) {
        #expect(throws: StorageError.invalidCodingParameters(k: k, n: n)) { try ErasureCoder(k: k, n: n) }
    }

    @Test func tooFewShardsIsAnErrorNotATrap() throws {
        let coder = try ErasureCoder(k: 3, n: 5)
        let shards = [
            (index: 0, bytes: [UInt8](repeating: 1, count: 64)), (index: 4, bytes: [UInt8](repeating: 2, count: 64)),
        ]
        #expect(throws: StorageError.self) { try coder.decode(shards) }
        #expect(throws: StorageError.invalidShardIndex(7, shardCount: 5)) {
            try coder.decode([(index: 7, bytes: [UInt8](repeating: 0, count: 64))])
        }
        #expect(throws: StorageError.duplicateShardIndex(0)) { try coder.decode(shards + [shards[0]]) }
    }
}
