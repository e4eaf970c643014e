import CairnPeer
import CairnStorage
import CairnWire
import Foundation
import NIOCore

/// An opened file: its descriptor, placement and key are known, and the key opens it; `stream` fetches and
/// decodes it.
public struct FileReader: Sendable {
    public let fileID: Key256
    public let layout: PlacedFile
    /// The name its owner gave, opened with the key (keepers never see it).
    public let name: String
    let fileKey: FileKey
    /// Where the key came from, for the message when it turns out wrong.
    let keySource: FileError.KeySource
    let service: FileService

    public var size: UInt64 { layout.fileSize }

    /// Fetches any k shards of each segment from the holders (several segments at once), verifies, decodes,
    /// decrypts and hands the plaintext to `sink` in order. Memory stays at a few segments whatever the size.
    /// Prefer `prepare()`, which confirms the file can be read before the caller commits to an answer.
    public func stream(into sink: (ByteBuffer) async throws -> Void) async throws {
        try await prepare().stream(into: sink)
    }

    /// Streams segments `segments` (all when nil) with `holders` known; `ready` may hold segments already
    /// fetched. The machine fetches the shards (`GetOperation`: which holders, data shards first, replacements,
    /// hedging, timeouts, the window of segments ahead); this decodes, verifies and decrypts them and hands
    /// the plaintext to `sink` in order. A segment that cannot be fetched is logged with the file and segment,
    /// and recorded for `GET …/last-error`, before the error ends the stream: once a download has answered,
    /// the reason cannot travel in the status any more.
    func stream(holders: [PeerID: PeerInfo], suspects: Set<PeerID>, ready: [Int: ByteBuffer],
                segments: Range<Int>? = nil, into sink: (ByteBuffer) async throws -> Void) async throws {
        let wanted = (segments ?? 0..<layout.segments.count).clamped(to: 0..<layout.segments.count)
        let count = wanted.upperBound
        let fetched = wanted.filter { ready[$0] == nil }
        var delivered: UInt64 = 0
        let (get, _) = try await startGet(
            GetOrder(layout: layout, holders: holders, suspects: suspects, segments: fetched))
        // Segment i + 1 is fetched and decoded (verified, decoded, decrypted) while segment i goes to the sink,
        // with decoders reused from segment to segment. Asked for only once segment i is decoded: the machine
        // takes a request for a segment as the end of the ones before it (a corrupt shard of segment i is
        // reported while it is still current). One after the other, with a decoder made for each, a 256 MiB
        // get took 1.6 s on two cores, 20 ms per segment: a fresh decoder's 8 MiB buffer is faulted in page by
        // page, and the other core idled.
        let decoders = SegmentDecoders(parameters: layout.parameters, fileKey: fileKey, fileNonce: layout.fileNonce)
        func decoding(_ index: Int) -> Task<ByteBuffer, Error> {
            if let buffer = ready[index] { return Task { buffer } }
            return Task { try await fetchSegment(index, of: get, decoders: decoders) }
        }
        var next = wanted.first.map(decoding)
        do {
            for index in wanted {
                let plaintext: ByteBuffer
                do {
                    plaintext = try await next!.value
                } catch {
                    service.recordFailure(of: fileID, segment: index, count: count, offset: delivered,
                                          size: size, error: error)
                    throw error
                }
                next = index + 1 < wanted.upperBound ? decoding(index + 1) : nil
                delivered += UInt64(plaintext.readableBytes)
                try await sink(plaintext)
            }
        } catch {
            next?.cancel()
            endGet(get)
            throw error
        }
        endGet(get)
    }

    /// Starts a get in the machine.
    func startGet(_ order: GetOrder) async throws -> (CommandID, GetStart) {
        let (get, result) = try await service.peer.submit { _ in .startGet(order) }
        guard case .getStarted(let start) = result else { throw FileService.error(from: result, "the start of a get") }
        return (get, start)
    }

    /// Ends get `get` in the machine (its timers and state go); nothing waits for that.
    func endGet(_ get: CommandID) {
        service.peer.post(.endGet(get: get))
    }

    /// Segment `index` of get `get`: k shards from the machine, decoded here; a shard that does not match its
    /// ID goes back to the machine, which fetches another.
    func fetchSegment(_ index: Int, of get: CommandID, decoders: SegmentDecoders? = nil) async throws -> ByteBuffer {
        let segment = layout.segments[index]
        let decoders = decoders
            ?? SegmentDecoders(parameters: layout.parameters, fileKey: fileKey, fileNonce: layout.fileNonce)
        var result = try await service.peer.perform(.getSegment(get: get, segment: index))
        while true {
            guard case .segmentShards(let shards) = result else {
                throw FileService.error(from: result, "a segment of a get")
            }
            do {
                return try decoders.withDecoder { decoder in
                    try decode(index, segment: segment, shards: shards, decoder: decoder)
                }
            } catch StorageError.shardHashMismatch(_, _, let bad?) {
                // A holder served a corrupt or forged shard: the machine drops it and fetches another.
                result = try await service.peer.perform(.shardCorrupt(get: get, segment: index, slot: bad))
            }
        }
    }

    private func decode(_ index: Int, segment: PlacedFile.Segment, shards: SegmentShards, decoder: SegmentDecoder)
        throws -> ByteBuffer
    {
        let ordered = zip(shards.slots, shards.shards).sorted { $0.0 < $1.0 }.map { (key: $0.0, value: $0.1) }
        var output = ByteBuffer()
        output.reserveCapacity(segment.plaintextLength)
        try output.writeWithUnsafeMutableBytes(minimumWritableBytes: segment.plaintextLength) { out in
            try withBorrowed(ordered[...], []) { borrowed in
                try decoder.decodeSegment(
                    index: UInt64(index), plaintextLength: segment.plaintextLength, shardLength: segment.shardLength,
                    shardIDs: segment.shardIDs, shards: borrowed, into: out)
            }
        }
        return output
    }

    /// Borrows each buffer's bytes for the duration of `body`.
    private func withBorrowed<R>(
        _ rest: ArraySlice<(key: Int, value: ByteBuffer)>, _ done: [(index: Int, bytes: UnsafeRawBufferPointer)],
        _ body: ([(index: Int, bytes: UnsafeRawBufferPointer)]) throws -> R
    ) throws -> R {
        guard let first = rest.first else { return try body(done) }
        return try first.value.withUnsafeReadableBytes { bytes in
            try withBorrowed(rest.dropFirst(), done + [(first.key, bytes)], body)
        }
    }
}

extension FileService {
    /// Opens a file by ID (the owner, or a peer with a grant) or by read capability (anyone). The machine finds
    /// the file (`LocateOperation`: the keepers, the descriptor unless this peer's index has it, the placement
    /// records, and the grant of a reader by file ID who is not the owner); the key is checked here by opening
    /// the descriptor's sealed name, before anything is fetched or answered (issue 6, item 4).
    public func open(_ reference: FileReference) async throws -> FileReader {
        let fileID = reference.fileID
        var grantKey: Key256?
        if case .fileID = reference { grantKey = BlobKeys.grant(fileID: fileID, grantee: identity.peerID) }
        let order = LocateOrder(
            fileID: fileID, descriptor: localDescriptor(of: fileID), grantKey: grantKey, signatures: .contested)
        let result = try await peer.perform(.locateFile(order))
        guard case .fileLocated(let location) = result else { throw Self.error(from: result, "a lookup of a file") }
        let descriptor = location.descriptor
        let key: FileKey
        let source: FileError.KeySource
        switch reference {
        case .capability(let capability):
            (key, source) = (capability.fileKey, .capability)
        case .fileID:
            (key, source) = try fileKey(for: descriptor, fileID: fileID, grant: location.grant)
        }
        let metadata: FileMetadata
        do {
            metadata = try descriptor.metadata(with: key)
        } catch StorageError.wrongFileKey {
            throw FileError.wrongKey(fileID, source: source)
        }
        let layout = PlacedFile(fileID: fileID, descriptor: descriptor, placement: location.placement)
        return FileReader(fileID: fileID, layout: layout, name: metadata.name, fileKey: key, keySource: source,
                          service: self)
    }

    /// The descriptor of `fileID` from this peer's own index, when it is there and checks out.
    func localDescriptor(of fileID: Key256) -> Descriptor? {
        guard let local = try? index.file(fileID), let bytes = local.descriptor,
              let descriptor = try? Descriptor(decoding: bytes), descriptor.fileID == fileID else { return nil }
        return descriptor
    }

    /// The file key as this identity may have it: sealed to it as owner, or through `grant` from the owner.
    func fileKey(for descriptor: Descriptor, fileID: Key256, grant: AccessGrant?) throws
        -> (FileKey, FileError.KeySource)
    {
        let keys = identity.x25519KeyPair
        if descriptor.owner == identity.publicKey {
            guard let key = FileKey(bytes: try SealedBox.open(descriptor.sealedKey, recipient: keys)) else {
                throw FileError.noAccess(fileID)
            }
            return (key, .owner)
        }
        guard let grant, let opened = try? SealedBox.open(grant.sealedKey, recipient: keys),
              let key = FileKey(bytes: opened)
        else { throw FileError.noAccess(fileID) }
        return (key, .grant)
    }

    /// Addresses of the file's holders, as the machine finds them: from their placement records, the routing
    /// table, else through the DHT.
    func resolveHolders(of layout: PlacedFile) async throws -> [PeerID: PeerInfo] {
        let result = try await peer.perform(.resolveHolders(layout))
        guard case .holdersResolved(let found) = result else { throw Self.error(from: result, "a lookup of holders") }
        return found
    }
}
