import CairnCrypto
import CairnStorage
import Testing

@Suite struct PipelineTests {
    static let segment = 64 << 10
    static let sizes = [0, 1, segment - 1, segment, segment + 1, 3 * segment + 12_345]
    static let codes = [Code(k: 1, n: 2), Code(k: 2, n: 3), Code(k: 4, n: 8), Code(k: 10, n: 16)]

    @Test(arguments: sizes, codes)
    func roundTripFromAnyKShards(size: Int, code: Code) throws {
        let parameters = CodingParameters(segmentSize: PipelineTests.segment, k: code.k, n: code.n)
        let data = pseudoRandomBytes(size, seed: UInt64(size * 31 + code.n))
        let put = try putFile(data, parameters: parameters)
        #expect(put.descriptor.fileSize == UInt64(size))
        #expect(put.segments.count == (size + PipelineTests.segment - 1) / PipelineTests.segment)
        // The data shards alone, then the last k shards (as much parity as possible).
        #expect(try getFile(put) { _ in Array(0..<code.k) } == data)
        #expect(try getFile(put) { _ in Array((code.n - code.k)..<code.n) } == data)
    }

    @Test func smallFilesPayOnlyForAlignmentNotAWholeSegment() throws {
        let parameters = CodingParameters(segmentSize: 4 << 20, k: 4, n: 8)
        let put = try putFile(pseudoRandomBytes(1, seed: 1), parameters: parameters)
        let segment = try #require(put.segments.first)
        #expect(segment.shardLength == 64)
        #expect(put.shards[0].allSatisfy { $0.count == 64 })
        // 1 byte + 16-byte tag over 4 data shards rounds to 64 bytes a shard; a full segment is 1 MiB + 64.
        #expect(parameters.shardLength(forPlaintextLength: 4 << 20) == (1 << 20) + 64)
        #expect(parameters.shardLength(forPlaintextLength: 4 * 64 - 16) == 64)
        #expect(parameters.shardLength(forPlaintextLength: 4 * 64 - 15) == 128)
    }

    @Test func everyPatternOfLostShardsDecodesForThreeOfFive() throws {
        let parameters = CodingParameters(segmentSize: 16 << 10, k: 3, n: 5)
        let data = pseudoRandomBytes(40_000, seed: 7)
        let put = try putFile(data, parameters: parameters)
        let patterns = combinations(5, 3)
        #expect(patterns.count == 10)
        for survivors in patterns {
            #expect(try getFile(put) { _ in survivors } == data, "survivors \(survivors)")
        }
    }

    @Test func shardsAreAddressedByTheMerkleRootOfTheirBytes() throws {
        let put = try putFile(pseudoRandomBytes(100_000, seed: 8), parameters: .init(segmentSize: 64 << 10, k: 4, n: 8))
        for (segment, entry) in put.segments.enumerated() {
            for index in 0..<8 { #expect(ShardCommitment.id(of: put.shards[segment][index]) == entry.shardIDs[index]) }
        }
    }

    @Test func chunkingDoesNotChangeTheSegments() throws {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        let data = pseudoRandomBytes(200_000, seed: 11)
        let key = FileKey.random()
        let nonce = Random.key256()
        func ids(chunk: Int) throws -> [[ShardID]] {
            var pipeline = try PutPipeline(parameters: parameters, fileKey: key, fileNonce: nonce)
            var segments: [EncodedSegment] = []
            var offset = 0
            while offset < data.count {
                let end = min(data.count, offset + chunk)
                segments += try pipeline.append(Array(data[offset..<end]))
                offset = end
            }
            if let last = try pipeline.finish() { segments.append(last) }
            #expect(segments.map(\.index) == Array(0..<UInt64(segments.count)))
            return segments.map(\.shardIDs)
        }
        let whole = try ids(chunk: data.count)
        #expect(try ids(chunk: 1_000) == whole)
        #expect(try ids(chunk: 64 << 10) == whole)
        #expect(whole.count == 4)
    }

    @Test func tamperedShardIsNamedInTheError() throws {
        let put = try putFile(pseudoRandomBytes(10_000, seed: 12), parameters: .init(segmentSize: 64 << 10, k: 2, n: 4))
        var tampered = put
        tampered.shards[0][1][5] ^= 0x40
        let expected = put.segments[0].shardIDs[1]
        let actual = ShardCommitment.id(of: tampered.shards[0][1])
        #expect(throws: StorageError.shardHashMismatch(shard: expected, actual: actual, index: 1)) {
            try getFile(tampered) { _ in [0, 1] }
        }
        // The same shard swapped for another one of the file is caught just the same.
        tampered.shards[0][1] = put.shards[0][2]
        #expect(throws: StorageError.self) { try getFile(tampered) { _ in [0, 1] } }
        // Without the bad shard the file still comes back.
        #expect(try getFile(tampered) { _ in [0, 3] } == pseudoRandomBytes(10_000, seed: 12))
    }

    @Test func wrongKeyOrTamperedDescriptorFieldsFailAuthentication() throws {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        let put = try putFile(pseudoRandomBytes(5_000, seed: 13), parameters: parameters)
        #expect(throws: StorageError.authenticationFailed(segment: 0)) {
            try getFile(put, key: .random()) { _ in [0, 1] }
        }
        let segment = put.segments[0]
        let decoder = try SegmentDecoder(parameters: parameters, fileKey: put.fileKey, fileNonce: Random.key256())
        let shards = [0: put.shards[0][0], 1: put.shards[0][1]]
        #expect(throws: StorageError.authenticationFailed(segment: 0)) {
            try decoder.decodeSegment(index: 0, plaintextLength: 5_000, shardLength: segment.shardLength,
                                      shardIDs: segment.shardIDs, shards: shards)
        }
        let right = try SegmentDecoder(parameters: parameters, fileKey: put.fileKey, fileNonce: put.descriptor.fileNonce)
        // Another position in the file, or a shorter length with the same shard size: the associated data differs.
        #expect(throws: StorageError.authenticationFailed(segment: 1)) {
            try right.decodeSegment(index: 1, plaintextLength: 5_000, shardLength: segment.shardLength,
                                    shardIDs: segment.shardIDs, shards: shards)
        }
        #expect(throws: StorageError.authenticationFailed(segment: 0)) {
            try right.decodeSegment(index: 0, plaintextLength: 4_999, shardLength: segment.shardLength,
                                    shardIDs: segment.shardIDs, shards: shards)
        }
        let plaintext = try right.decodeSegment(index: 0, plaintextLength: 5_000, shardLength: segment.shardLength,
                                                shardIDs: segment.shardIDs, shards: shards)
        #expect(plaintext == pseudoRandomBytes(5_000, seed: 13))
    }

    @Test func decoderRefusesBadInputWithoutTrapping() throws {
        let parameters = CodingParameters(segmentSize: 64 << 10, k: 2, n: 4)
        let put = try putFile(pseudoRandomBytes(1_000, seed: 14), parameters: parameters)
        let segment = put.segments[0]
        let decoder = try SegmentDecoder(parameters: parameters, fileKey: put.fileKey,
                                         fileNonce: put.descriptor.fileNonce)
        func decode(_ shards: [Int: [UInt8]], length: Int = 1_000) throws -> [UInt8] {
            try decoder.decodeSegment(index: 0, plaintextLength: length, shardLength: segment.shardLength,
                                      shardIDs: segment.shardIDs, shards: shards)
        }
        #expect(throws: StorageError.notEnoughShards(segment: 0, available: 1, needed: 2)) {
            try decode([3: put.shards[0][3]])
        }
        #expect(throws: StorageError.invalidShardIndex(9, shardCount: 4)) { try decode([9: put.shards[0][0]]) }
        #expect(throws: StorageError.shardLengthMismatch(shard: segment.shardIDs[0], expected: segment.shardLength,
                                                         got: 3)) {
            try decode([0: [1, 2, 3], 1: put.shards[0][1]])
        }
        #expect(throws: StorageError.self) { try decode([0: put.shards[0][0], 1: put.shards[0][1]], length: 0) }
        #expect(throws: StorageError.self) { try decode([0: put.shards[0][0], 1: put.shards[0][1]], length: 1 << 30) }
    }

    @Test func getPipelineStopsAtTheEnd() throws {
        let put = try putFile(pseudoRandomBytes(100, seed: 15), parameters: .init(segmentSize: 64 << 10, k: 2, n: 3))
        var pipeline = try GetPipeline(descriptor: put.descriptor, fileKey: put.fileKey)
        _ = try pipeline.decodeNext(shards: [0: put.shards[0][0], 2: put.shards[0][2]])
        #expect(pipeline.isFinished)
        #expect(pipeline.bytesDecoded == 100)
        #expect(throws: StorageError.segmentOutOfRange(1, segmentCount: 1)) { try pipeline.decodeNext(shards: [:]) }
    }

    @Test func encoderRefusesEmptyAndOversizedSegments() throws {
        let parameters = CodingParameters(segmentSize: 4096, k: 2, n: 3)
        var encoder = try SegmentEncoder(parameters: parameters, fileKey: .random(), fileNonce: .zero)
        #expect(throws: StorageError.invalidSegmentLength(segment: 0, length: 0, segmentSize: 4096)) {
            try encoder.encodeSegment(plaintext: [], index: 0)
        }
        #expect(throws: StorageError.invalidSegmentLength(segment: 1, length: 4097, segmentSize: 4096)) {
            try encoder.encodeSegment(plaintext: [UInt8](repeating: 0, count: 4097), index: 1)
        }
        #expect(throws: StorageError.invalidSegmentSize(100)) {
            try PutPipeline(parameters: .init(segmentSize: 100, k: 2, n: 3))
        }
    }

    @Test func heldSegmentsAreNotOverwrittenByLaterOnes() throws {
        var encoder = try SegmentEncoder(parameters: .init(segmentSize: 4096, k: 2, n: 3), fileKey: .random(),
                                         fileNonce: .zero)
        let first = try encoder.encodeSegment(plaintext: pseudoRandomBytes(4096, seed: 1), index: 0)
        let before = first.shards
        _ = try encoder.encodeSegment(plaintext: pseudoRandomBytes(4096, seed: 2), index: 1)
        #expect(first.shards == before)
        #expect(first.shards.allSatisfy { $0.isIntact })
    }
}
