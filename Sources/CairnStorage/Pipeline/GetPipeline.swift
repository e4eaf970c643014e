import CairnCrypto

/// get for a whole file: decode its segments in order with the manifest's table, one at a time, so memory stays
/// at one segment's shards plus one segment of plaintext whatever the file's size (DESIGN.md §5).
///
/// The driver fetches any k shards of `nextSegment` (from the fastest holders), hands them in, writes out the
/// plaintext, and goes on until `isFinished`.
public struct GetPipeline {
    public let manifest: Manifest
    private let decoder: SegmentDecoder
    /// The next segment to decode, from 0.
    public private(set) var nextSegment = 0
    /// Plaintext bytes produced so far.
    public private(set) var bytesDecoded: UInt64 = 0

    public init(manifest: Manifest, fileKey: FileKey) throws(StorageError) {
        try manifest.validate()
        self.manifest = manifest
        decoder = try SegmentDecoder(parameters: manifest.parameters, fileKey: fileKey, fileNonce: manifest.fileNonce)
    }

    public var segmentCount: Int { manifest.segments.count }
    public var isFinished: Bool { nextSegment == segmentCount }

    /// The segment table entry the driver fetches shards for next.
    public var pendingSegment: Manifest.Segment? { isFinished ? nil : manifest.segments[nextSegment] }

    /// Decodes the next segment from at least k of its shards into `output` and returns its plaintext length.
    public mutating func decodeNext(
        shards: [(index: Int, bytes: UnsafeRawBufferPointer)], into output: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        let length = try decode(segmentAt: nextSegment, shards: shards, into: output)
        nextSegment += 1
        bytesDecoded += UInt64(length)
        return length
    }

    /// Decodes the next segment from shards given as arrays (index → bytes).
    public mutating func decodeNext(shards: [Int: [UInt8]]) throws(StorageError) -> [UInt8] {
        guard let segment = pendingSegment else { throw .segmentOutOfRange(nextSegment, segmentCount: segmentCount) }
        let plaintext = try decoder.decodeSegment(
            index: UInt64(nextSegment), plaintextLength: segment.plaintextLength, shardLength: segment.shardLength,
            shardIDs: segment.shardIDs, shards: shards)
        nextSegment += 1
        bytesDecoded += UInt64(plaintext.count)
        return plaintext
    }

    /// Decodes any segment, out of order (for ranged reads); does not move `nextSegment`.
    public func decode(
        segmentAt index: Int, shards: [(index: Int, bytes: UnsafeRawBufferPointer)],
        into output: UnsafeMutableRawBufferPointer
    ) throws(StorageError) -> Int {
        guard index >= 0, index < segmentCount else { throw .segmentOutOfRange(index, segmentCount: segmentCount) }
        let segment = manifest.segments[index]
        return try decoder.decodeSegment(
            index: UInt64(index), plaintextLength: segment.plaintextLength, shardLength: segment.shardLength,
            shardIDs: segment.shardIDs, shards: shards, into: output)
    }
}
