import CairnCrypto

/// How a file is cut and coded: segment size, and the Reed–Solomon code in which any `k` of `n` shards rebuild
/// a segment (DESIGN.md §5).
public struct CodingParameters: Hashable, Sendable, CustomStringConvertible {
    /// Bytes of plaintext per segment; the last segment of a file is shorter.
    public var segmentSize: Int
    /// Data shards per segment: any `k` shards rebuild it.
    public var k: Int
    /// Shards per segment, data and parity.
    public var n: Int

    /// ISA-L and the descriptor's one-byte shard counts allow more, but 32 keeps decode matrices and shard sets small.
    public static let maxShardCount = 32
    /// 4 KiB to 64 MiB: below, per-segment overhead dominates; above, memory per segment in flight gets large.
    public static let segmentSizeRange = 4096...(64 << 20)
    /// Shards are padded to a multiple of this, which is what ISA-L's widest kernels consume per step.
    public static let shardAlignment = 64

    /// 4 MiB segments, 4-of-8.
    public static let `default` = CodingParameters(segmentSize: 4 << 20, k: 4, n: 8)

    public init(segmentSize: Int, k: Int, n: Int) {
        self.segmentSize = segmentSize
        self.k = k
        self.n = n
    }

    public var parityCount: Int { n - k }

    public func validate() throws(StorageError) {
        guard k >= 1, k < n, n <= CodingParameters.maxShardCount else {
            throw .invalidCodingParameters(k: k, n: n)
        }
        guard CodingParameters.segmentSizeRange.contains(segmentSize) else { throw .invalidSegmentSize(segmentSize) }
    }

    /// Bytes per shard for a segment of `plaintextLength` bytes: the sealed segment (plaintext and the 16-byte
    /// tag) split k ways, rounded up to `shardAlignment`. A small file thus pays for at most k × 64 bytes of
    /// padding, never for a whole segment.
    public func shardLength(forPlaintextLength plaintextLength: Int) -> Int {
        let sealed = plaintextLength + SegmentCipher.tagByteCount
        let perShard = (sealed + k - 1) / k
        let align = CodingParameters.shardAlignment
        return (perShard + align - 1) / align * align
    }

    /// These parameters for a file announced to be `expectedSize` bytes: a file smaller than a segment gets a
    /// segment its own size, rounded up to 4 KiB. Its shards are the same, but no 4 MiB buffers are set up for
    /// 4 KiB of data.
    public func fitted(toExpectedSize expectedSize: UInt64?) -> CodingParameters {
        guard let size = expectedSize, size < UInt64(segmentSize) else { return self }
        let floor = CodingParameters.segmentSizeRange.lowerBound
        var fitted = self
        fitted.segmentSize = max(floor, Int((size + UInt64(floor) - 1) / UInt64(floor)) * floor)
        return fitted
    }

    /// The largest shard this code produces (that of a full segment); buffers are sized by it.
    public var maxShardLength: Int { shardLength(forPlaintextLength: segmentSize) }

    /// Segments in a file of `fileSize` bytes (an empty file has none).
    public func segmentCount(forFileSize fileSize: UInt64) -> Int {
        // No overflow for any size from outside (a hostile descriptor may claim 2⁶⁴ − 1 bytes).
        let size = UInt64(segmentSize)
        return Int(fileSize / size + (fileSize % size == 0 ? 0 : 1))
    }

    /// Plaintext bytes in segment `index` of a file of `fileSize` bytes.
    public func plaintextLength(ofSegment index: Int, fileSize: UInt64) -> Int {
        let start = UInt64(index) * UInt64(segmentSize)
        guard start < fileSize else { return 0 }
        return Int(min(UInt64(segmentSize), fileSize - start))
    }

    public var description: String { "\(k)-of-\(n), \(segmentSize)-byte segments" }
}
