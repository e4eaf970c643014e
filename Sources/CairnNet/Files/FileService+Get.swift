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

    // With `segments`, only those segments are streamed (a range request reads from the segment holding its
    // first byte).

    /// Streams segments `first…` with `holders` known; `ready` may hold segments already fetched. A segment that
    /// cannot be fetched is logged with the file and segment, and recorded for `GET …/last-error`, before the
    /// error ends the stream: once a download has answered, the reason cannot travel in the status any more.
    func stream(holders: [PeerID: PeerInfo], health: HolderHealth, ready prefetched: [Int: ByteBuffer],
                segments: Range<Int>? = nil, into sink: (ByteBuffer) async throws -> Void) async throws {
        let wanted = (segments ?? 0..<layout.segments.count).clamped(to: 0..<layout.segments.count)
        let count = wanted.upperBound
        var ready = prefetched.filter { wanted.contains($0.key) }
        var next = wanted.lowerBound
        var launched = wanted.lowerBound
        var delivered: UInt64 = 0
        do {
            try await withThrowingTaskGroup(of: (Int, ByteBuffer).self) { group in
                func launch() {
                    let index = launched
                    launched += 1
                    guard ready[index] == nil else { return }
                    group.addTask {
                        do {
                            return (index, try await self.fetchSegment(index, holders: holders, health: health))
                        } catch {
                            throw SegmentFailure(segment: index, error: error)
                        }
                    }
                }
                while launched < min(count, wanted.lowerBound + service.segmentWindow) { launch() }
                while next < count {
                    while let buffer = ready.removeValue(forKey: next) {
                        delivered += UInt64(buffer.readableBytes)
                        try await sink(buffer)
                        next += 1
                        if launched < count { launch() }
                    }
                    guard next < count else { break }
                    guard let (index, plaintext) = try await group.next() else {
                        let lost = FileError.unexpectedResponse("segment \(next): it was never fetched")
                        throw SegmentFailure(segment: next, error: lost)
                    }
                    ready[index] = plaintext
                }
            }
        } catch let failure as SegmentFailure {
            service.recordFailure(of: fileID, segment: failure.segment, count: count, offset: delivered,
                                  size: size, error: failure.error)
            throw failure.error
        }
    }

    /// One segment: ask holders for data shards first (no rebuilding needed), replace failures and corrupt
    /// shards with other holders, hedge with one extra request when an answer is slow.
    func fetchSegment(_ index: Int, holders: [PeerID: PeerInfo], health: HolderHealth) async throws -> ByteBuffer {
        let segment = layout.segments[index]
        let decoder = try SegmentDecoder(parameters: layout.parameters, fileKey: fileKey, fileNonce: layout.fileNonce)
        // The decisions are the plan's (`SegmentFetchPlan`); this only carries them out.
        var plan = SegmentFetchPlan(
            holders: segment.holders, k: layout.parameters.k, reachable: Set(holders.keys),
            suspects: Set(segment.holders.filter(health.isSuspect)))
        var shards: [Int: ByteBuffer] = [:]
        return try await withThrowingTaskGroup(of: FetchEvent.self) { group in
            var pending = plan.start(now: WallClock.now())
            while true {
                for action in pending {
                    switch action {
                    case .fetch(let slot):
                        let holder = segment.holders[slot]
                        guard let info = holders[holder] else { continue }
                        group.addTask {
                            do {
                                guard case .shard(let bytes) = try await service.peer.storageRequest(
                                    .getShard(id: segment.shardIDs[slot]), to: info, timeout: .seconds(20))
                                else { return .failed(slot, "an unexpected answer") }
                                return .fetched(slot, bytes)
                            } catch {
                                return .failed(slot, "\(error)")
                            }
                        }
                    case .armHedge(let instant):
                        group.addTask {
                            let delay = max(0, instant.nanoseconds - WallClock.now().nanoseconds)
                            try await Task.sleep(for: .nanoseconds(delay))
                            return .hedge
                        }
                    case .decode(let slots):
                        do {
                            let chosen = shards.filter { slots.contains($0.key) }
                            let plaintext = try decode(index, segment: segment, shards: chosen, decoder: decoder)
                            group.cancelAll()
                            return plaintext
                        } catch StorageError.shardHashMismatch(_, _, let bad?) {
                            // A holder served a corrupt or forged shard: drop it and fetch another.
                            shards[bad] = nil
                            health.markSuspect(segment.holders[bad])
                            pending = plan.corrupt(slot: bad, now: WallClock.now())
                            continue
                        }
                    case .fail(let reason):
                        group.cancelAll()
                        throw FileError.unavailable(segment: index, reason: reason)
                    }
                }
                guard let event = try await group.next() else {
                    throw FileError.unavailable(segment: index, reason: "no request is left in flight")
                }
                let now = WallClock.now()
                switch event {
                case .fetched(let slot, let bytes):
                    shards[slot] = bytes
                    pending = plan.fetched(slot: slot, now: now)
                case .failed(let slot, let reason):
                    health.markSuspect(segment.holders[slot])
                    pending = plan.failed(slot: slot, reason: reason, now: now)
                case .hedge:
                    pending = plan.hedgeFired(now: now)
                }
            }
        }
    }

    private func decode(_ index: Int, segment: PlacedFile.Segment, shards: [Int: ByteBuffer], decoder: SegmentDecoder)
        throws -> ByteBuffer
    {
        let ordered = shards.sorted { $0.key < $1.key }
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

/// What comes back to a segment's fetch loop: a shard, a failed request, or the hedge timer.
enum FetchEvent: Sendable {
    case fetched(Int, ByteBuffer)
    case failed(Int, String)
    case hedge
}

/// A segment that could not be fetched, with its index, on its way out of the stream's task group.
struct SegmentFailure: Error {
    var segment: Int
    var error: Error
}

/// Holders that failed during this get, tried last afterwards.
final class HolderHealth: @unchecked Sendable {
    // `@unchecked Sendable`: the set is only touched under `lock`.
    private let lock = NSLock()
    private var suspects: Set<PeerID> = []

    func markSuspect(_ peer: PeerID) {
        lock.lock()
        suspects.insert(peer)
        lock.unlock()
    }

    func isSuspect(_ peer: PeerID) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return suspects.contains(peer)
    }
}

extension FileService {
    /// Opens a file by ID (the owner, or a peer with a grant) or by read capability (anyone). The key is checked
    /// by opening the descriptor's sealed name, before anything is fetched or answered (issue 6, item 4).
    public func open(_ reference: FileReference) async throws -> FileReader {
        let fileID = reference.fileID
        // One lookup finds the keepers of both the descriptor and the placement records.
        let keepers = try await keepers(of: fileID)
        let descriptor = try await descriptor(of: fileID, keepers: keepers)
        let key: FileKey
        let source: FileError.KeySource
        switch reference {
        case .capability(let capability):
            (key, source) = (capability.fileKey, .capability)
        case .fileID:
            (key, source) = try await fileKey(for: descriptor, fileID: fileID)
        }
        let metadata: FileMetadata
        do {
            metadata = try descriptor.metadata(with: key)
        } catch StorageError.wrongFileKey {
            throw FileError.wrongKey(fileID, source: source)
        }
        let placement = try await placement(of: fileID, descriptor: descriptor, keepers: keepers)
        return FileReader(fileID: fileID, layout: PlacedFile(fileID: fileID, descriptor: descriptor, placement: placement),
                          name: metadata.name, fileKey: key, keySource: source, service: self)
    }

    /// The file key as this identity may have it: sealed to it as owner, or through a grant from the owner.
    func fileKey(for descriptor: Descriptor, fileID: Key256) async throws -> (FileKey, FileError.KeySource) {
        let keys = identity.x25519KeyPair
        if descriptor.owner == identity.publicKey {
            guard let key = FileKey(bytes: try SealedBox.open(descriptor.sealedKey, recipient: keys)) else {
                throw FileError.noAccess(fileID)
            }
            return (key, .owner)
        }
        let me = identity.publicKey
        let grant: AccessGrant? = try await fetchBlob(kind: .grant, key: BlobKeys.grant(fileID: fileID, grantee: me.peerID)) {
            bytes in
            guard let grant = try? AccessGrant(decoding: bytes), grant.grantee == me, grant.fileID == fileID,
                  grant.verify(against: descriptor) else { return nil }
            return grant
        }
        guard let grant, let opened = try? SealedBox.open(grant.sealedKey, recipient: keys),
              let key = FileKey(bytes: opened)
        else { throw FileError.noAccess(fileID) }
        return (key, .grant)
    }

    /// Addresses of the file's holders: from the routing table, else from their placement records, else found
    /// through the DHT.
    func resolveHolders(of layout: PlacedFile) async throws -> [PeerID: PeerInfo] {
        let wanted = Set(layout.segments.flatMap(\.holders)).subtracting([.zero])
        var found: [PeerID: PeerInfo] = layout.placement.addresses.filter { wanted.contains($0.key) }
        if let own = peer.listenAddress { found[peer.peerID] = PeerInfo(id: peer.peerID, address: own) }
        for entry in try await peer.knownPeers() where wanted.contains(entry.peer.id) {
            found[entry.peer.id] = entry.peer
        }
        let missing = wanted.subtracting(found.keys)
        await withTaskGroup(of: PeerInfo?.self) { group in
            for id in missing {
                group.addTask {
                    guard let result = try? await self.peer.query(.findPeer(id)),
                          case .peerFound(_, let addresses?) = result.outcome, let address = addresses.first
                    else { return nil }
                    return PeerInfo(id: id, address: address)
                }
            }
            for await info in group { if let info { found[info.id] = info } }
        }
        return found
    }
}
