import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// A file whose download has been checked before anyone is answered (issue 6, items 4 and 5): its key opens it,
/// its first segment is fetched and decrypted, and every other segment has at least k shards on holders that
/// answered a probe just now. A file that fails any of these is refused with a status and a reason (403 for the
/// key, 503 for what is unavailable) instead of a 200 followed by a cut body.
public struct FileDownload: Sendable {
    public let reader: FileReader
    let holders: [PeerID: PeerInfo]
    /// Holders the probe found down, or that failed the first segment: asked last.
    let suspects: Set<PeerID>
    /// Segments already fetched (the first).
    let ready: [Int: ByteBuffer]

    public var layout: PlacedFile { reader.layout }
    public var size: UInt64 { reader.size }

    /// Streams the whole file, the checked first segment first. A later segment that cannot be fetched is
    /// logged and recorded (`FileService.lastFailure(of:)`) before the error ends the stream.
    public func stream(into sink: (ByteBuffer) async throws -> Void) async throws {
        try await reader.stream(holders: holders, suspects: suspects, ready: ready, into: sink)
    }

    /// Streams segments `segments` only (a range request).
    public func stream(segments: Range<Int>, into sink: (ByteBuffer) async throws -> Void) async throws {
        try await reader.stream(holders: holders, suspects: suspects, ready: ready, segments: segments, into: sink)
    }
}

extension FileReader {
    /// Confirms the file can be read before the caller commits to an answer: in parallel, fetches and decrypts
    /// the first segment and asks every
    /// holder which of its shards it has; then every segment must have k shards available.
    public func prepare() async throws -> FileDownload {
        let holders = try await service.resolveHolders(of: layout)
        guard !layout.segments.isEmpty else {
            return FileDownload(reader: self, holders: holders, suspects: [], ready: [:])
        }
        async let probed = service.probe(layout, holders: holders)
        let first: Result<ByteBuffer, Error>
        let get = try await startGet(holders: holders, suspects: [], segments: [0])
        do {
            first = .success(try await fetchSegment(0, of: get))
        } catch {
            first = .failure(error)
        }
        await endGet(get)
        let availability = await probed
        let suspects = availability.unreachable
        switch first {
        case .failure(StorageError.authenticationFailed):
            throw FileError.wrongKey(fileID, source: keySource)
        case .failure(let error):
            // The probe names the holders that are down; the fetch only knows which requests failed.
            if case FileError.unavailable = error, let short = availability.firstShortSegment(of: layout) {
                throw FileError.unavailable(segment: short.segment, reason: short.reason)
            }
            throw error
        case .success(let plaintext):
            // Segment 0 is fetched; the others must have k shards where the probe looked.
            if let short = availability.firstShortSegment(of: layout, after: 0) {
                throw FileError.unavailable(segment: short.segment, reason: short.reason)
            }
            return FileDownload(reader: self, holders: holders, suspects: suspects, ready: [0: plaintext])
        }
    }
}
