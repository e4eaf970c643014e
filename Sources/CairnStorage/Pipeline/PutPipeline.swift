import CairnCrypto

/// put for a whole file as a stream: feed chunks of any size as they are read, take the encoded segments as
/// they fill, then `finish` for the short last one.
///
/// A chunk that starts on a segment boundary and covers whole segments is encoded in place; only the bytes
/// that straddle a boundary are staged in an internal segment buffer. Memory stays at about two segments
/// (staging, and the encoder's shard buffer) plus whatever segments the caller keeps.
public struct PutPipeline {
    public let parameters: CodingParameters
    public let fileKey: FileKey
    /// Random per file, bound into every segment's associated data and recorded in the descriptor.
    public let fileNonce: Key256
    /// Plaintext bytes encoded into segments so far: the file's size once `finish` has returned.
    public private(set) var fileSize: UInt64 = 0
    /// Bytes appended so far, the staged tail included (`fileSize` counts encoded segments only).
    public var bytesAppended: UInt64 { fileSize + UInt64(staged) }
    /// Segments produced so far.
    public private(set) var segmentCount: UInt64 = 0

    private var encoder: SegmentEncoder
    private let staging: AlignedStorage
    private var staged = 0
    private var finished = false

    public init(
        parameters: CodingParameters = .default, fileKey: FileKey = .random(), fileNonce: Key256 = Random.key256()
    ) throws(StorageError) {
        encoder = try SegmentEncoder(parameters: parameters, fileKey: fileKey, fileNonce: fileNonce)
        self.parameters = parameters
        self.fileKey = fileKey
        self.fileNonce = fileNonce
        staging = AlignedStorage(byteCount: parameters.segmentSize)
    }

    /// Takes the next bytes of the file; returns the segments they completed (often none or one).
    public mutating func append(_ chunk: UnsafeRawBufferPointer) throws(StorageError) -> [EncodedSegment] {
        precondition(!finished, "append after finish")
        let size = parameters.segmentSize
        var segments: [EncodedSegment] = []
        var offset = 0
        while offset < chunk.count {
            let remaining = chunk.count - offset
            if staged == 0 && remaining >= size {
                let whole = UnsafeRawBufferPointer(rebasing: chunk[offset..<(offset + size)])
                segments.append(try encodeNext(whole))
                offset += size
                continue
            }
            let take = min(size - staged, remaining)
            staging.region(staged, take).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: chunk[offset..<(offset + take)]))
            staged += take
            offset += take
            if staged == size {
                segments.append(try encodeNext(UnsafeRawBufferPointer(staging.region(0, size))))
                staged = 0
            }
        }
        return segments
    }

    public mutating func append(_ chunk: [UInt8]) throws(StorageError) -> [EncodedSegment] {
        var result: Result<[EncodedSegment], StorageError>!
        chunk.withUnsafeBytes { buffer in
            do throws(StorageError) { result = .success(try append(buffer)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// Ends the file: encodes the staged tail as the last, short segment, if any bytes are staged.
    public mutating func finish() throws(StorageError) -> EncodedSegment? {
        precondition(!finished, "finish called twice")
        finished = true
        guard staged > 0 else { return nil }
        defer { staged = 0 }
        return try encodeNext(UnsafeRawBufferPointer(staging.region(0, staged)))
    }

    private mutating func encodeNext(_ plaintext: UnsafeRawBufferPointer) throws(StorageError) -> EncodedSegment {
        let segment = try encoder.encodeSegment(plaintext: plaintext, index: segmentCount)
        segmentCount += 1
        fileSize += UInt64(plaintext.count)
        return segment
    }
}
