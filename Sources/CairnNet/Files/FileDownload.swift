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
    /// Confirms the file can be read before the caller commits to an answer. The machine decides how (a checked
    /// get, `GetOrder.check`): it resolves the holders, probes them while the first segment is fetched when
    /// the file has several, and answers only once every segment has k shards available; this decrypts the
    /// first segment, which proves the key.
    public func prepare() async throws -> FileDownload {
        guard !layout.segments.isEmpty else {
            return FileDownload(reader: self, holders: [:], suspects: [], ready: [:])
        }
        let (get, start) = try await startGet(GetOrder(layout: layout, segments: [0], check: true))
        do {
            let plaintext = try await fetchSegment(0, of: get)
            endGet(get)
            return FileDownload(reader: self, holders: start.holders, suspects: start.suspects, ready: [0: plaintext])
        } catch StorageError.authenticationFailed {
            endGet(get)
            throw FileError.wrongKey(fileID, source: keySource)
        } catch {
            endGet(get)
            throw error
        }
    }
}
