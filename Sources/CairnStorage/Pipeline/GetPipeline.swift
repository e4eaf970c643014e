import CairnCrypto

/// get for a whole file: decode its segments in order with the descriptor's table, one at a time, so memory stays
/// at one segment's shards plus one segment of plaintext whatever the file's size (DESIGN.md §5).
///
/// The driver fetches any k shards of `nextSegment` (from the fastest holders), hands them in, writes out the
/// plaintext, and goes on until `isFinished`.
public struct GetPipeline {
    public let descriptor: Descriptor
    private let decoder: SegmentDecoder
    /// The next segment to decode, from 0.
    public private(set) var nextSegment = 0
    /// Plaintext bytes produced so far.
    public private(set) var bytesDecoded: UInt64 = 0

    public init(descriptor: Descriptor, fileKey: FileKey) throws(StorageError) {
        try descriptor.validate()
        self.descriptor = descriptor
        decoder = try SegmentDecoder(parameters: descriptor.parameters, fileKey: fileKey,
                                     fileNonce: descriptor.fileNonce)
    }

    public var segmentCount: Int { descriptor.segmentCount }
    public var isFinished: Bool { nextSegment == segmentCount }

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
        guard !isFinished else { throw .segmentOutOfRange(nextSegment, segmentCount: segmentCount) }
        let plaintext = try decoder.decodeSegment(
            index: UInt64(nextSegment), plaintextLength: descriptor.plaintextLength(ofSegment: nextSegment),
            shardLength: descriptor.shardLength(ofSegment: nextSegment), shardIDs: descriptor.shardIDs[nextSegment],
            shards: shards)
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
        return try decoder.decodeSegment(
            index: UInt64(index), plaintextLength: descriptor.plaintextLength(ofSegment: index),
            shardLength: descriptor.shardLength(ofSegment: index), shardIDs: descriptor.shardIDs[index],
            shards: shards, into: output)
    }
}
