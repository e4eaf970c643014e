import CairnCrypto

/// put's hot path for one segment (DESIGN.md §5): seal with AES-256-GCM, erasure-code with ISA-L, hash every
/// shard with SHA-256.
///
/// All the work happens in one reused buffer of n × shardLength bytes laid out as the shards themselves: the
/// cipher writes the sealed segment straight into data shards 0..<k, ISA-L writes parity into k..<n, and the
/// shards are hashed where they lie. No byte is copied and, in steady state, nothing is allocated but the
/// array of n IDs.
public struct SegmentEncoder {
    public let parameters: CodingParameters
    public let fileNonce: Key256
    private let cipher: SegmentCipher
    private let coder: ErasureCoder
    private let hasher: ShardHasher
    private var storage: AlignedStorage

    public init(parameters: CodingParameters, fileKey: FileKey, fileNonce: Key256) throws(StorageError) {
        try parameters.validate()
        self.parameters = parameters
        self.fileNonce = fileNonce
        cipher = try SegmentCipher(key: fileKey, fileNonce: fileNonce)
        coder = try ErasureCoder(k: parameters.k, n: parameters.n)
        hasher = ShardHasher(capacity: parameters.n)
        storage = AlignedStorage(byteCount: parameters.n * parameters.maxShardLength)
    }

    /// Encodes segment `index`, whose plaintext is 1 to `segmentSize` bytes (only a file's last segment is short).
    public mutating func encodeSegment(plaintext: UnsafeRawBufferPointer, index: UInt64) throws(StorageError)
        -> EncodedSegment
    {
        let length = plaintext.count
        guard length > 0, length <= parameters.segmentSize else {
            throw .invalidSegmentLength(segment: index, length: length, segmentSize: parameters.segmentSize)
        }
        let (k, n) = (parameters.k, parameters.n)
        let shardLength = parameters.shardLength(forPlaintextLength: length)
        if !isKnownUniquelyReferenced(&storage) {
            storage = AlignedStorage(byteCount: n * parameters.maxShardLength)
        }
        let sealedLength = length + SegmentCipher.tagByteCount
        try cipher.seal(plaintext, segment: index, into: storage.region(0, sealedLength))
        storage.region(sealedLength, k * shardLength - sealedLength).initializeMemory(as: UInt8.self, repeating: 0)
        try coder.encode(shards: storage.region(0, n * shardLength), shardLength: shardLength)
        let ids = hasher.hash(contiguous: storage.base, length: shardLength, count: n)
        return EncodedSegment(index: index, plaintextLength: length, shardLength: shardLength, shardIDs: ids,
                              storage: storage)
    }

    public mutating func encodeSegment(plaintext: [UInt8], index: UInt64) throws(StorageError) -> EncodedSegment {
        var result: Result<EncodedSegment, StorageError>!
        plaintext.withUnsafeBytes { buffer in
            do throws(StorageError) {
                result = .success(try encodeSegment(plaintext: buffer, index: index))
            } catch {
                result = .failure(error)
            }
        }
        return try result.get()
    }
}
