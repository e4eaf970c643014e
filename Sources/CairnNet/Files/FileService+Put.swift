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
    /// Stores a file read from `body`: encrypt, erasure-code, place each segment's n shards on n distinct
    /// providers, then store the signed descriptor, confirm the shards to their holders and store their placement records. Returns
    /// once every shard is durable and confirmed on its provider and every record is stored.
    ///
    /// A put that fails at any point after the first shard is placed — a body cut short, a segment that cannot
    /// be placed, a descriptor that cannot be stored — removes what it placed before it throws (signed delete
    /// orders under the file nonce), and what it cannot reach is reclaimed by the provider: shards stay pending
    /// until confirmed (issue 6, item 6).
    public func put<Body: AsyncSequence & Sendable>(_ body: Body, options: PutOptions) async throws -> PutResult
    where Body.Element == ByteBuffer {
        let clock = ContinuousClock()
        let started = clock.now
        var parameters = options.parameters
        try parameters.validate()
        // A file known to be smaller than a segment gets a segment its own size (rounded to 4 KiB): its shards
        // are the same, but no 4 MiB buffers are set up for 4 KiB of data.
        if let size = options.expectedSize, size < UInt64(parameters.segmentSize) {
            let floor = CodingParameters.segmentSizeRange.lowerBound
            parameters.segmentSize = max(floor, Int((size + UInt64(floor) - 1) / UInt64(floor)) * floor)
        }
        var pipeline = try PutPipeline(parameters: parameters)
        let fileNonce = pipeline.fileNonce

        // Providers first, so that a network too small for the code fails before anything is sent. A candidate
        // must have room for at least one shard; one that fills up later refuses, and its shard goes elsewhere.
        let survey = try await survey(near: pipeline.fileNonce, minimumFree: UInt64(parameters.maxShardLength))
        // Records this clock signs are judged by the receivers' clocks: a clock beyond their tolerance would see
        // every shard uploaded and then the descriptor refused, so it is checked here, before anything is sent.
        let tolerance = peer.configuration.dht.maxClockSkew
        if let offset = survey.clocks.excessive(tolerance: tolerance) {
            throw FileError.clockSkew(offset: offset, peers: survey.clocks.offsets.count, tolerance: tolerance)
        }
        let ring = survey.ring
        guard ring.count >= parameters.n else {
            throw FileError.tooFewProviders(found: ring.count, needed: parameters.n)
        }
        let placement = Placement(ring: ring, n: parameters.n)
        let owner = identity.publicKey
        let placed = PlacedShards()
        var fileID: Key256?
        var keepers: [PeerInfo] = []

        do {
            var segmentsPlaced: [Int: UploadedSegment] = [:]
            try await withThrowingTaskGroup(of: (Int, UploadedSegment).self) { uploads in
                var inFlight = 0
                func drainOne() async throws {
                    if let (index, segment) = try await uploads.next() { segmentsPlaced[index] = segment }
                    inFlight -= 1
                }
                func upload(_ segment: EncodedSegment) async throws {
                    if inFlight >= segmentWindow { try await drainOne() }
                    let shards = (0..<segment.shardCount).map { i in
                        segment.withShard(i) { ByteBuffer(bytes: $0) }
                    }
                    let ids = segment.shardIDs
                    let holders = placement.holders(forSegment: Int(segment.index))
                    let index = Int(segment.index)
                    uploads.addTask {
                        let finalHolders = try await self.uploadSegment(
                            index: index, ids: ids, shards: shards, holders: holders, ring: ring, owner: owner,
                            file: fileNonce, placed: placed)
                        return (index, UploadedSegment(shardIDs: ids, holders: finalHolders))
                    }
                    inFlight += 1
                }
                for try await var chunk in body {
                    let segments = try chunk.readWithUnsafeReadableBytes { buffer in
                        (buffer.count, try pipeline.append(buffer))
                    }
                    for segment in segments { try await upload(segment) }
                }
                // A body that ended short of (or past) what it announced is a truncated or changed upload: storing
                // it would report success for bytes that are not the ones given.
                if let expected = options.expectedSize, pipeline.bytesAppended != expected {
                    throw FileError.invalidRequest(
                        "the upload announced \(expected) bytes but carried \(pipeline.bytesAppended); "
                            + "nothing was stored")
                }
                if let last = try pipeline.finish() { try await upload(last) }
                while inFlight > 0 { try await drainOne() }
            }
            let segments = try orderSegments(segmentsPlaced, count: Int(pipeline.segmentCount))

            // The descriptor: what the file is, signed by the owner; its hash is the file ID. It names no holder,
            // so moving a shard later changes neither the ID nor any capability.
            let descriptor = try Descriptor(
                fileSize: pipeline.fileSize, parameters: parameters, fileNonce: fileNonce,
                shardIDs: segments.map(\.shardIDs), created: WallClock.now(), metadata: FileMetadata(name: options.name),
                fileKey: pipeline.fileKey, owner: identity)
            let encoded = descriptor.encoded()
            let id = SHA256.hash(encoded)
            fileID = id
            // The descriptor and this peer's provider record for the file, at the n−k+1 peers closest to the file
            // ID: one lookup finds them and the record rides along with the descriptor, so both survive what the
            // shards survive and are found by any lookup of the file ID, which reaches the closest peers first.
            guard case .closestPeers(_, let closest) = try await peer.query(.closestPeers(id)).outcome else {
                throw FileError.unexpectedResponse("a lookup")
            }
            let replicas = Self.blobReplicas(for: parameters)
            keepers = Array(closest.prefix(replicas))
            let record = try await peer.makeProviderRecord(for: id)
            _ = try await storeBlob(kind: .descriptor, key: id, bytes: encoded, replicas: replicas, keepers: closest,
                                    provider: record)
            // As the file's provider, this peer serves its descriptor and placement too.
            let keepsItself = keepers.contains(where: { $0.id == peer.peerID })
            if !keepsItself {
                _ = try await peer.serveLocally(.putBlob(kind: .descriptor, key: id, provider: nil,
                                                         bytes: ByteBuffer(bytes: encoded)))
            }
            // Only now are the shards part of a stored file: each holder keeps its shards for good and signs
            // where they sit; the keepers keep those records beside the descriptor.
            let positions = Self.positions(of: segments, ring: ring)
            let records = try await confirm(positions, fileID: id, fileNonce: fileNonce)
            let placementBlob = PlacementRecord.encodeList(records)
            _ = try await storeBlob(kind: .placement, key: id, bytes: placementBlob, replicas: replicas,
                                    keepers: closest)
            if !keepsItself {
                _ = try await peer.serveLocally(.putBlob(kind: .placement, key: id, provider: nil,
                                                         bytes: ByteBuffer(bytes: placementBlob)))
            }
            _ = try index.add(descriptor: descriptor, name: options.name)

            let capability = ReadCapability(fileID: id, fileKey: pipeline.fileKey)
            return PutResult(
                id: id.hex, name: options.name, size: pipeline.fileSize, k: parameters.k, n: parameters.n,
                cap: capability.description, seconds: (clock.now - started).secondsDouble,
                segments: segments.count, providers: Set(segments.flatMap(\.holders)).count)
        } catch {
            await abandon(placed, fileNonce: fileNonce, fileID: fileID, keepers: keepers, reason: error)
            throw error
        }
    }

    /// Segments came back from concurrent uploads in any order; the descriptor wants them by index.
    private func orderSegments(_ placed: [Int: UploadedSegment], count: Int) throws -> [UploadedSegment] {
        try (0..<count).map { index in
            guard let segment = placed[index] else {
                throw FileError.placementFailed(segment: index, reason: "it was never uploaded")
            }
            return segment
        }
    }

    /// Uploads one segment's shards in parallel. A shard a provider refuses (full, failing, unreachable) goes to
    /// another provider of the ring that holds nothing of this segment, drawn from one pool the segment's shards
    /// share, so that two retries never pick the same provider; providers found full are skipped by the rest of
    /// the put. Returns who holds each shard.
    func uploadSegment(index: Int, ids: [ShardID], shards: [ByteBuffer], holders: [PeerInfo], ring: [PeerInfo],
                       owner: PublicKey, file: Key256, placed: PlacedShards) async throws -> [PeerID] {
        var final = holders
        let spares = SharedSpares(ring: ring, holders: holders)
        try await withThrowingTaskGroup(of: (Int, PeerInfo).self) { group in
            for i in shards.indices {
                group.addTask {
                    var failures: [String] = []
                    var target: PeerInfo? = holders[i]
                    if placed.full.contains(holders[i].id) {
                        failures.append("\(holders[i].id.shortHex): full")
                        target = spares.take(skipping: placed.full)
                    }
                    while let current = target {
                        do {
                            let answer = try await self.peer.storageRequest(
                                .putShard(id: ids[i], file: file, owner: owner, bytes: shards[i]), to: current)
                            guard answer == .stored else { throw FileError.unexpectedResponse("a shard upload") }
                            placed.record(ids[i], on: current)
                            return (i, current)
                        } catch {
                            if let remote = error as? RemoteError, remote.code == .noCapacity {
                                placed.markFull(current.id)
                            }
                            failures.append("\(current.id.shortHex): \(error)")
                            self.capacities.forget(current.id)
                            self.logger.debug("shard upload failed; trying another provider",
                                              metadata: ["cairn.remote": "\(current)", "cairn.error": "\(error)"])
                        }
                        target = spares.take(skipping: placed.full)
                    }
                    throw FileError.placementFailed(
                        segment: index, reason: "shard \(i) was refused by every provider that holds nothing of "
                            + "the segment (\(failures.suffix(3).joined(separator: "; ")))")
                }
            }
            for try await (i, target) in group { final[i] = target }
        }
        return final.map(\.id)
    }
}

/// One segment once its shards are placed: shard i's ID, and who took it.
struct UploadedSegment: Sendable {
    var shardIDs: [ShardID]
    var holders: [PeerID]
}

extension FileService {
    /// Per holder, the shards it took and their positions (segment, slot), in segment order.
    static func positions(of segments: [UploadedSegment], ring: [PeerInfo]) -> [HolderPositions] {
        let infos = Dictionary(ring.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var byHolder: [PeerID: HolderPositions] = [:]
        for (segment, uploaded) in segments.enumerated() {
            for (slot, holder) in uploaded.holders.enumerated() {
                guard let info = infos[holder] else { continue }
                byHolder[holder, default: HolderPositions(holder: info)].add(
                    uploaded.shardIDs[slot], segment: UInt32(segment), slot: UInt8(slot))
            }
        }
        return byHolder.values.sorted { $0.holder.id < $1.holder.id }
    }
}

/// What one holder took of a file: shard IDs with their positions.
struct HolderPositions: Sendable {
    var holder: PeerInfo
    var shardIDs: [ShardID] = []
    var positions: [(segment: UInt32, slot: UInt8)] = []

    mutating func add(_ id: ShardID, segment: UInt32, slot: UInt8) {
        shardIDs.append(id)
        positions.append((segment, slot))
    }
}

/// Which providers hold which shard: segment s takes n consecutive providers of the ring starting at s·n, so
/// shards of one segment sit on n distinct providers and load spreads evenly.
struct Placement: Sendable {
    let ring: [PeerInfo]
    let n: Int

    func holders(forSegment segment: Int) -> [PeerInfo] {
        (0..<n).map { ring[(segment * n + $0) % ring.count] }
    }
}
