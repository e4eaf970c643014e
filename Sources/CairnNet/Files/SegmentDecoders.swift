import CairnCrypto
import CairnStorage
import NIOConcurrencyHelpers

/// The segment decoders of one get, each reused from segment to segment: a decoder keeps an 8 MiB work buffer
/// (n shards of up to 1 MiB) that a fresh decoder has the kernel fault in and zero page by page, segment after
/// segment. Decoders are made on demand, one per segment decoded at the same time.
///
/// `@unchecked Sendable`: a decoder is not thread-safe, and the lock hands each to one task at a time.
final class SegmentDecoders: @unchecked Sendable {
    private let parameters: CodingParameters
    private let fileKey: FileKey
    private let fileNonce: Key256
    private let lock = NIOLock()
    private var idle: [SegmentDecoder] = []

    init(parameters: CodingParameters, fileKey: FileKey, fileNonce: Key256) {
        self.parameters = parameters
        self.fileKey = fileKey
        self.fileNonce = fileNonce
    }

    /// Runs `body` with a decoder no other task is using, and keeps the decoder for the next call.
    /// Throws what `body` throws, or `StorageError` when a decoder cannot be made (invalid parameters).
    func withDecoder<R>(_ body: (SegmentDecoder) throws -> R) throws -> R {
        let decoder = try lock.withLock { idle.popLast() }
            ?? SegmentDecoder(parameters: parameters, fileKey: fileKey, fileNonce: fileNonce)
        defer { lock.withLock { idle.append(decoder) } }
        return try body(decoder)
    }
}
