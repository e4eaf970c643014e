import CairnCrypto

/// get's work for one segment (DESIGN.md §5): verify each shard against its ID, rebuild missing data shards
/// from any k, check and decrypt.
///
/// Shards are gathered into one reused buffer in the encoder's layout (one copy each), rebuilt there in place,
/// and the sealed segment is opened from it straight into the caller's output.
public struct SegmentDecoder {
    public let parameters: CodingParameters
    public let fileNonce: Key256
    private let cipher: SegmentCipher
    private let coder: ErasureCoder
    private let hasher: ShardHasher
    private let work: AlignedStorage

    public init(parameters: CodingParameters, fileKey: FileKey, fileNonce: Key256) throws(StorageError) {
        try parameters.validate()
        self.parameters = parameters
        self.fileNonce = fileNonce
        cipher = try SegmentCipher(key: fileKey, fileNonce: fileNonce)
        coder = try ErasureCoder(k: parameters.k, n: parameters.n)
        hasher = ShardHasher(capacity: parameters.n)
        work = AlignedStorage(byteCount: parameters.n * parameters.maxShardLength)
    }

    /// Decodes segment `index` into `output` (at least `plaintextLength` bytes) and returns `plaintextLength`.
    ///
    /// `shardIDs` are the segment's n IDs from the descriptor; `shards` are at least k `(index, bytes)` pairs.
    /// Every shard given is verified, and a mismatch throws `shardHashMismatch` naming it, so that the caller can
    /// fetch that index elsewhere; a wrong key or altered descriptor fields throw `authenticationFailed`.
    @discardableResult
    public func decodeSegment(
        index: UInt64, plaintextLength: Int, shardLength: Int, shardIDs: [ShardID],
        shards: [(index: Int, bytes: UnsafeRawBufferPointer)], into output: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        let (k, n) = (parameters.k, parameters.n)
        guard plaintextLength > 0, plaintextLength <= parameters.segmentSize else {
            throw .invalidSegmentLength(segment: index, length: plaintextLength, segmentSize: parameters.segmentSize)
        }
        guard shardLength == parameters.shardLength(forPlaintextLength: plaintextLength), shardIDs.count == n else {
            throw .malformedDescriptor("segment \(index) lists \(shardIDs.count) shards of \(shardLength) bytes")
        }
        guard output.count >= plaintextLength else {
            throw .erasureCoding("output of \(output.count) bytes cannot hold segment \(index)")
        }
        var available = ShardSet()
        for shard in shards {
            guard shard.index >= 0, shard.index < n else { throw .invalidShardIndex(shard.index, shardCount: n) }
            guard !available.contains(shard.index) else { throw .duplicateShardIndex(shard.index) }
            guard shard.bytes.count == shardLength else {
                throw .shardLengthMismatch(shard: shardIDs[shard.index], expected: shardLength, got: shard.bytes.count)
            }
            available.insert(shard.index)
        }
        for (shard, actual) in zip(shards, hasher.hash(shards.map(\.bytes))) where actual != shardIDs[shard.index] {
            throw .shardHashMismatch(shard: shardIDs[shard.index], actual: actual, index: shard.index)
        }
        guard available.count >= k else {
            throw .notEnoughShards(segment: index, available: available.count, needed: k)
        }

        // Only k shards are needed: all present data shards, then parity ones to fill the gaps.
        let data = ShardSet.all(k)
        let presentData = available.intersection(data)
        let used = presentData.union(available.subtracting(data).prefix(k - presentData.count))
        for shard in shards where used.contains(shard.index) {
            work.region(shard.index * shardLength, shardLength).copyMemory(from: shard.bytes)
        }
        let missing = data.subtracting(used)
        if !missing.isEmpty {
            try coder.reconstruct(shards: work.region(0, n * shardLength), shardLength: shardLength,
                                  available: used, rebuild: missing)
        }
        let sealed = UnsafeRawBufferPointer(work.region(0, plaintextLength + SegmentCipher.tagByteCount))
        return try cipher.open(sealed, segment: index, into: output)
    }

    /// Convenience: decodes from whole arrays into a new array.
    public func decodeSegment(
        index: UInt64, plaintextLength: Int, shardLength: Int, shardIDs: [ShardID], shards: [Int: [UInt8]]
    ) throws(StorageError) -> [UInt8] {
        guard plaintextLength > 0, plaintextLength <= parameters.segmentSize else {
            throw .invalidSegmentLength(segment: index, length: plaintextLength, segmentSize: parameters.segmentSize)
        }
        var output = [UInt8](repeating: 0, count: plaintextLength)
        let ordered = shards.sorted { $0.key < $1.key }
        var failure: StorageError?
        withBorrowedShards(ordered[...], []) { borrowed in
            output.withUnsafeMutableBytes { out in
                do throws(StorageError) {
                    try decodeSegment(index: index, plaintextLength: plaintextLength, shardLength: shardLength,
                                      shardIDs: shardIDs, shards: borrowed, into: out)
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}

/// Borrows every array's bytes at once (nested `withUnsafeBytes`), so that a list of arrays can be handed to
/// an API that takes buffer pointers without copying them.
func withBorrowedShards(
    _ rest: ArraySlice<(key: Int, value: [UInt8])>, _ done: [(index: Int, bytes: UnsafeRawBufferPointer)],
    _ body: ([(index: Int, bytes: UnsafeRawBufferPointer)]) -> Void
) {
    guard let first = rest.first else { return body(done) }
    first.value.withUnsafeBytes { bytes in
        withBorrowedShards(rest.dropFirst(), done + [(first.key, bytes)], body)
    }
}
