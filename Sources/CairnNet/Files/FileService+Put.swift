import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// What `put` produced: the JSON of `cairn put --json` and `POST /api/v0/files`.
public struct PutResult: Codable, Sendable {
    public var id: String
    public var name: String
    public var size: UInt64
    public var k: Int
    public var n: Int
    /// Read capability: anyone holding it can read the file.
    public var cap: String
    public var seconds: Double
    public var segments: Int
    public var providers: Int
}

public struct PutOptions: Sendable {
    public var name: String
    public var parameters: CodingParameters
    /// Size announced up front (Content-Length), to refuse before sending anything when space is short.
    public var expectedSize: UInt64?

    public init(name: String, parameters: CodingParameters, expectedSize: UInt64?) {
        self.name = name
        self.parameters = parameters
        self.expectedSize = expectedSize
    }
}

extension FileService {
    /// Stores a file read from `body`. This is the driver's half of a put: it reads the body, encrypts and
    /// erasure-codes it (`PutPipeline`, off the event loop) and feeds the segments to the peer machine, which
    /// decides the rest — providers, placement, spares, the window of segments in flight, the descriptor,
    /// confirmations, placement records, and the cleanup of a put that fails (`PutOperation` in CairnPeer).
    /// Returns once every shard is durable and confirmed on its provider and every record is stored.
    ///
    /// Errors: `FileError` with the machine's reason (too few providers, a clock too far off, a segment no
    /// provider takes, a record too few keepers took), `invalidRequest` for a body that is not what it
    /// announced; what was placed is removed before the error is thrown.
    public func put<Body: AsyncSequence & Sendable>(_ body: Body, options: PutOptions) async throws -> PutResult
    where Body.Element == ByteBuffer {
        let clock = ContinuousClock()
        let started = clock.now
        try options.parameters.validate()
        let parameters = options.parameters.fitted(toExpectedSize: options.expectedSize)
        var pipeline = try PutPipeline(parameters: parameters)
        let order = PutOrder(parameters: parameters, fileKey: pipeline.fileKey, fileNonce: pipeline.fileNonce,
                             name: options.name)
        let (put, startResult) = try await peer.submit { _ in .startPut(order) }
        try Self.expect(startResult, "the start of a put") { if case .putStarted = $0 { true } else { false } }

        let summary: PutSummary
        do {
            for try await var chunk in body {
                let segments = try chunk.readWithUnsafeReadableBytes { buffer in
                    (buffer.count, try pipeline.append(buffer))
                }
                for segment in segments { try await feed(segment, to: put) }
            }
            // A body that ended short of (or past) what it announced is a truncated or changed upload: storing
            // it would report success for bytes that are not the ones given.
            if let expected = options.expectedSize, pipeline.bytesAppended != expected {
                throw FileError.invalidRequest(
                    "the upload announced \(expected) bytes but carried \(pipeline.bytesAppended); nothing was stored")
            }
            if let last = try pipeline.finish() { try await feed(last, to: put) }
        } catch let error as MachineRefusal {
            throw error.error
        } catch {
            // The body or the encoder failed: the machine removes what it placed, then the error is reported.
            _ = try? await peer.perform(.abortPut(put: put, reason: "\(error)"))
            throw error
        }
        let finished = try await peer.perform(.finishPut(put: put, fileSize: pipeline.fileSize))
        guard case .putFinished(let done) = finished else {
            throw Self.error(from: finished, "the end of a put")
        }
        summary = done

        // As the file's provider, this peer serves its descriptor and placement too.
        if !summary.keptHere {
            _ = try await peer.serveLocally(.putBlob(kind: .descriptor, key: summary.fileID, provider: nil,
                                                     bytes: ByteBuffer(bytes: summary.encodedDescriptor)))
            _ = try await peer.serveLocally(.putBlob(kind: .placement, key: summary.fileID, provider: nil,
                                                     bytes: ByteBuffer(bytes: summary.placement)))
        }
        _ = try index.add(descriptor: summary.descriptor, name: options.name)
        let capability = ReadCapability(fileID: summary.fileID, fileKey: pipeline.fileKey)
        return PutResult(
            id: summary.fileID.hex, name: options.name, size: pipeline.fileSize, k: parameters.k, n: parameters.n,
            cap: capability.description, seconds: (clock.now - started).secondsDouble, segments: summary.segments,
            providers: summary.providers)
    }

    /// Hands one encoded segment to put `put` and waits until the machine has room for the next. The shards are
    /// copied once, out of the encoder's buffer that the next segment reuses.
    private func feed(_ segment: EncodedSegment, to put: CommandID) async throws {
        let shards = (0..<segment.shardCount).map { i in segment.withShard(i) { ByteBuffer(bytes: $0) } }
        let result = try await peer.perform(.putSegment(
            put: put, PutSegment(index: Int(segment.index), shardIDs: segment.shardIDs, shards: shards)))
        guard case .putSegmentAccepted = result else {
            throw MachineRefusal(error: Self.error(from: result, "a segment of a put"))
        }
    }

    /// Throws unless `result` is the one `expected`.
    static func expect(_ result: PeerCommandResult, _ what: String, _ expected: (PeerCommandResult) -> Bool) throws {
        guard expected(result) else { throw error(from: result, what) }
    }

    /// The error a result other than the one expected stands for.
    static func error(from result: PeerCommandResult, _ what: String) -> Error {
        switch result {
        case .fileFailed(let failure): FileError(failure)
        case .failed(let reason): PeerStopped(reason: reason)
        default: FileError.unexpectedResponse(what)
        }
    }
}

/// The machine ended the put (it has cleaned up already): its error goes out as is, with no abort.
private struct MachineRefusal: Error {
    var error: Error
}

extension FileError {
    /// The driver's error for a failure the machine reported; the sentence is the same.
    init(_ failure: FileFailure) {
        switch failure {
        case .tooFewProviders(let found, let needed): self = .tooFewProviders(found: found, needed: needed)
        case .placementFailed(let segment, let reason): self = .placementFailed(segment: segment, reason: reason)
        case .recordNotStored(let what): self = .recordNotStored(what)
        case .clockSkew(let offset, let peers, let tolerance):
            self = .clockSkew(offset: offset, peers: peers, tolerance: tolerance)
        case .unexpectedResponse(let what): self = .unexpectedResponse(what)
        case .invalidRequest(let what): self = .invalidRequest(what)
        case .unavailable(let segment, let reason): self = .unavailable(segment: segment, reason: reason)
        case .descriptorNotFound(let id): self = .descriptorNotFound(id)
        case .noAccess(let id): self = .noAccess(id)
        }
    }
}
