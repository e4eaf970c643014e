import CairnChain
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
    /// The storage agreements opened for the file, hex IDs by slot; empty when none was.
    public var agreements: [String]
    /// The hash of the transaction that opened them (in the mempool; committed with a later block).
    public var agreementsTransaction: String?
    /// Why no agreement, or not every slot's, was opened.
    public var agreementsNote: String?

    enum CodingKeys: String, CodingKey {
        case id, name, size, k, n, cap, seconds, segments, providers, agreements
        case agreementsTransaction = "agreements_tx"
        case agreementsNote = "agreements_note"
    }

    public init(
        id: String, name: String, size: UInt64, k: Int, n: Int, cap: String, seconds: Double, segments: Int,
        providers: Int, agreements: [String] = [], agreementsTransaction: String? = nil, agreementsNote: String? = nil
    ) {
        self.id = id
        self.name = name
        self.size = size
        self.k = k
        self.n = n
        self.cap = cap
        self.seconds = seconds
        self.segments = segments
        self.providers = providers
        self.agreements = agreements
        self.agreementsTransaction = agreementsTransaction
        self.agreementsNote = agreementsNote
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        size = try container.decode(UInt64.self, forKey: .size)
        k = try container.decode(Int.self, forKey: .k)
        n = try container.decode(Int.self, forKey: .n)
        cap = try container.decode(String.self, forKey: .cap)
        seconds = try container.decode(Double.self, forKey: .seconds)
        segments = try container.decode(Int.self, forKey: .segments)
        providers = try container.decode(Int.self, forKey: .providers)
        agreements = try container.decodeIfPresent([String].self, forKey: .agreements) ?? []
        agreementsTransaction = try container.decodeIfPresent(String.self, forKey: .agreementsTransaction)
        agreementsNote = try container.decodeIfPresent(String.self, forKey: .agreementsNote)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(size, forKey: .size)
        try container.encode(k, forKey: .k)
        try container.encode(n, forKey: .n)
        try container.encode(cap, forKey: .cap)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(segments, forKey: .segments)
        try container.encode(providers, forKey: .providers)
        try container.encode(agreements, forKey: .agreements)
        // Explicit nulls: `agreements_tx` and `agreements_note` are always present in the JSON.
        try container.encode(agreementsTransaction, forKey: .agreementsTransaction)
        try container.encode(agreementsNote, forKey: .agreementsNote)
    }
}

public struct PutOptions: Sendable {
    public var name: String
    public var parameters: CodingParameters
    /// Size announced up front (Content-Length), to refuse before sending anything when space is short.
    public var expectedSize: UInt64?
    /// The highest price for storage agreements, tokens per GiB per epoch as decimal text ("0.5"); nil: any.
    public var maxPrice: String?
    /// How many epochs the agreements run; nil: the market's default.
    public var epochs: UInt64?

    public init(
        name: String, parameters: CodingParameters, expectedSize: UInt64?, maxPrice: String? = nil,
        epochs: UInt64? = nil
    ) {
        self.name = name
        self.parameters = parameters
        self.expectedSize = expectedSize
        self.maxPrice = maxPrice
        self.epochs = epochs
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
        let order = PutOrder(
            parameters: parameters, fileKey: pipeline.fileKey, fileNonce: pipeline.fileNonce, name: options.name,
            maxPricePerGiBEpoch: try await maxPrice(options.maxPrice), durationEpochs: options.epochs,
            sizeHint: options.expectedSize)
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

        _ = try index.add(descriptor: summary.descriptor, name: options.name)
        let capability = ReadCapability(fileID: summary.fileID, fileKey: pipeline.fileKey)
        return PutResult(
            id: summary.fileID.hex, name: options.name, size: pipeline.fileSize, k: parameters.k, n: parameters.n,
            cap: capability.description, seconds: (clock.now - started).secondsDouble, segments: summary.segments,
            providers: summary.providers, agreements: summary.agreements.map(\.hex),
            agreementsTransaction: summary.agreementsTransaction?.hex, agreementsNote: summary.agreementsNote)
    }

    /// `text` (tokens per GiB per epoch) in base units at the chain's decimals; nil when not given, or when the
    /// chain has no market (the put then opens no agreement, and says so).
    private func maxPrice(_ text: String?) async throws -> Amount? {
        guard let text else { return nil }
        guard case .market(.snapshot(let snapshot)) = try await peer.perform(.market(.snapshot)) else { return nil }
        do {
            return try Amount(parsing: text, decimals: snapshot.decimals)
        } catch {
            throw FileError.invalidRequest("the maximum price '\(text.prefix(40))' is not an amount: \(error)")
        }
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
