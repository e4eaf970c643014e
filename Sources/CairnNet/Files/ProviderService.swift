import CairnPeer
import CairnStorage
import CairnWire
import Logging
import NIOCore
import NIOPosix

/// The provider side of the storage protocol: keeps shards and blobs for other peers. Disk work runs on a
/// thread pool, never on the event loop.
///
/// Shards arrive pending and are kept for good once their owner confirms the stored file (`ConfirmOrder`);
/// `PendingReclaimer` releases those never confirmed after `pendingGrace` (issue 6, item 6).
public final class ProviderService: Sendable {
    public let shards: ShardStore
    public let blobs: BlobStore
    let pool: NIOThreadPool
    let logger: Logger
    /// How long a shard may stay pending before it is reclaimed: long enough for the slowest put to store its
    /// descriptor and confirm (a put of many GiB over a slow link takes a while), short enough that abandoned
    /// uploads do not hold space for long.
    public let pendingGrace: Duration
    public static let defaultPendingGrace: Duration = .seconds(3600)

    public init(shards: ShardStore, blobs: BlobStore, pool: NIOThreadPool, logger: Logger,
                pendingGrace: Duration = ProviderService.defaultPendingGrace) {
        self.shards = shards
        self.blobs = blobs
        self.pool = pool
        self.logger = logger
        self.pendingGrace = pendingGrace
    }

    /// Answers one storage request, on `loop`. Disk and verification work runs on the thread pool and the
    /// answer comes back as a future, with no task in between: a small shard costs as few thread hops as can be.
    /// `acceptRecord` stores a provider record riding with a blob (on the loop, where the DHT machine lives) and
    /// returns nil, or why it refused it.
    func serve(_ request: StorageRequest, on loop: EventLoop, as holder: Holder,
               acceptRecord: @escaping (ProviderRecord) -> String?) -> EventLoopFuture<Response>
    {
        if case .putBlob(_, let key, let record?, _) = request {
            let refusal = record.key == key ? acceptRecord(record) : "it is for another key (\(record.key.hex))"
            if let refusal {
                PeerMetrics.failed(code: .refused)
                return loop.makeSucceededFuture(.error(RemoteError(
                    code: .refused, message: "the provider record sent with blob \(key.hex) was refused: \(refusal)")))
            }
        }
        return pool.runIfActive(eventLoop: loop) { try self.handle(request, as: holder) }
            .map { Response.storage($0) }
            .recover { error in
                switch error {
                case let error as StorageError: .error(RemoteError(code: Self.code(for: error), message: "\(error)"))
                case let error as RemoteError: .error(error)
                default: .error(RemoteError(code: .internalError, message: "\(error)"))
                }
            }
            .map { response in
                PeerMetrics.answered(request, with: response)
                return response
            }
    }

    /// Who this provider is to the network, for the placement records it signs.
    public struct Holder: Sendable {
        public var identity: Identity
        public var addresses: [PeerAddress]

        public init(identity: Identity, addresses: [PeerAddress]) {
            self.identity = identity
            self.addresses = addresses
        }
    }

    /// How long a placement record this provider signs stays valid. Long: nothing renews records yet (the
    /// storage market's agreements will), and a record that lapsed would hide shards that are still here.
    static let placementLifetime: Duration = .seconds(365 * 86_400)

    /// The blocking part of a request, on a pool thread.
    func handle(_ request: StorageRequest, as holder: Holder) throws -> StorageResponse {
        switch request {
        case .putShard(let id, let file, let owner, let bytes):
            let reference = ShardReference(file: file, owner: owner.peerID)
            try bytes.withUnsafeReadableBytes { buffer in
                _ = try shards.write(buffer, id: id, reference: reference, confirmed: false, now: WallClock.now())
            }
            return .stored
        case .getShard(let id):
            return .shard(ByteBuffer(bytes: try shards.read(id)))
        case .capacity:
            return .capacity(total: shards.capacity, used: try shards.used(), free: try shards.free(),
                             now: WallClock.now())
        case .putBlob(let kind, let key, _, let bytes):
            let blob = Array(bytes.readableBytesView)
            if kind == .placement {
                try mergePlacement(blob, fileID: key)
                return .stored
            }
            let owner = try Self.validate(kind: kind, key: key, blob: blob)
            try blobs.put(kind: kind, key: key, bytes: blob, owner: owner)
            return .stored
        case .getBlob(let kind, let key):
            return .blob(try blobs.get(kind: kind, key: key).map { ByteBuffer(bytes: $0) })
        case .delete(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "delete order for \(order.fileID.hex) has a bad signature")
            }
            // Only this owner's reference for this file goes; a shard another file still needs stays.
            let reference = ShardReference(file: order.fileNonce, owner: order.owner.peerID)
            var count = 0
            for id in order.shardIDs where try shards.release(id, reference: reference) == .deleted { count += 1 }
            _ = try blobs.delete(kind: .placement, key: order.fileID, owner: order.owner)
            _ = try blobs.delete(kind: .descriptor, key: order.fileID, owner: order.owner)
            return .deleted(shards: count)
        case .confirm(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "confirmation for \(order.fileID.hex) has a bad signature")
            }
            let kept = try shards.confirm(file: order.fileNonce, owner: order.owner.peerID, shards: order.shardIDs)
            // The holder's own word for where these shards sit, for the keepers and every reader.
            var record: PlacementRecord?
            if kept == order.shardIDs.count, !order.entries.isEmpty, !holder.addresses.isEmpty {
                let now = WallClock.now()
                record = PlacementRecord(fileID: order.fileID, holder: holder.identity, addresses: holder.addresses,
                                         entries: order.entries, issued: now, expires: now + Self.placementLifetime)
            }
            return .confirmed(shards: kept, placement: record)
        case .holds(let ids):
            return .holding(try shards.contains(ids))
        case .prove(let id, let leaf):
            // A read verifies the whole shard against its ID first: a corrupt shard is quarantined and answers
            // nothing, so a holder that kept only a shard's length cannot pass.
            let bytes = try shards.read(id)
            guard let (leafBytes, path) = bytes.withUnsafeBytes({ ShardCommitment.proof(leaf: Int(leaf), of: $0) }) else {
                throw RemoteError(code: .badRequest, message: "shard \(id.hex) has no leaf \(leaf)")
            }
            return .proof(leaf: ByteBuffer(bytes: leafBytes), leafCount: UInt32(path.leafCount), path: path.path)
        case .adopt(let bytes, let entries):
            return try adopt(Array(bytes.readableBytesView), entries: entries, as: holder)
        }
    }

    /// Checks that a blob is what its kind and key claim; returns the key allowed to delete it.
    static func validate(kind: BlobKind, key: Key256, blob: [UInt8]) throws -> PublicKey {
        switch kind {
        case .descriptor:
            guard SHA256.hash(blob) == key else {
                throw RemoteError(code: .refused, message: "descriptor does not hash to its key \(key.hex)")
            }
            let descriptor = try Descriptor(decoding: blob)
            guard descriptor.verifySignature() else {
                throw RemoteError(code: .refused, message: "descriptor \(key.hex) has a bad owner signature")
            }
            return descriptor.owner
        case .placement:
            throw RemoteError(code: .badRequest, message: "placement records are merged, not validated whole")
        case .grant:
            let grant = try AccessGrant(decoding: blob)
            guard grant.verifySignature() else {
                throw RemoteError(code: .refused, message: "access grant has a bad owner signature")
            }
            guard BlobKeys.grant(fileID: grant.fileID, grantee: grant.grantee.peerID) == key else {
                throw RemoteError(code: .refused, message: "access grant is not for key \(key.hex)")
            }
            return grant.owner
        }
    }

    /// Keeps for good the shards at `entries` of a described file that are stored here pending (a repairer
    /// rebuilt and uploaded them), and signs the placement record for them. Only positions the descriptor names,
    /// of shards stored here under the file's nonce and owner, are adopted; anything else is refused whole.
    func adopt(_ encoded: [UInt8], entries: [PlacementRecord.Entry], as holder: Holder) throws -> StorageResponse {
        let descriptor = try Descriptor(decoding: encoded)
        guard descriptor.verifySignature() else {
            throw RemoteError(code: .refused, message: "the descriptor to adopt shards for has a bad owner signature")
        }
        let fileID = SHA256.hash(encoded)
        var ids: [ShardID] = []
        for entry in entries {
            guard Int(entry.slot) < descriptor.parameters.n, Int(entry.segments.upperBound) <= descriptor.segmentCount
            else {
                throw RemoteError(code: .badRequest, message: "slot \(entry.slot) of segments \(entry.segments) "
                    + "is not a position of file \(fileID.hex)")
            }
            for segment in entry.segments { ids.append(descriptor.shardIDs[Int(segment)][Int(entry.slot)]) }
        }
        let kept = try shards.confirm(file: descriptor.fileNonce, owner: descriptor.owner.peerID, shards: ids)
        guard kept == ids.count else {
            throw RemoteError(code: .notFound, message: "only \(kept) of the \(ids.count) shards to adopt are stored "
                + "here for file \(fileID.hex)")
        }
        guard !holder.addresses.isEmpty else {
            throw RemoteError(code: .overloaded, message: "this provider is not listening yet")
        }
        let now = WallClock.now()
        let record = PlacementRecord(fileID: fileID, holder: holder.identity, addresses: holder.addresses,
                                     entries: entries, issued: now, expires: now + Self.placementLifetime)
        return .confirmed(shards: kept, placement: record)
    }

    /// Adds the valid records of `blob` for `fileID` to those kept: per holder and set of positions, the newest
    /// (a holder of very many shards signs several records, one per confirmation; a repair adds a newer one for
    /// the positions it moved, and readers let the newest record of each position win). Refused unless the
    /// file's descriptor is kept here (its owner is the one who may delete the records with it).
    func mergePlacement(_ blob: [UInt8], fileID: Key256) throws {
        guard let stored = try blobs.get(kind: .descriptor, key: fileID),
              let descriptor = try? Descriptor(decoding: stored)
        else {
            throw RemoteError(code: .refused, message: "no descriptor of \(fileID.hex) is kept here for its placement")
        }
        let incoming = try PlacementRecord.decodeList(blob)
        let now = WallClock.now()
        guard incoming.allSatisfy({ $0.fileID == fileID && $0.isValid(now: now) }) else {
            throw RemoteError(code: .refused, message: "a placement record for \(fileID.hex) is invalid or expired")
        }
        let kept = try blobs.get(kind: .placement, key: fileID).flatMap { try? PlacementRecord.decodeList($0) } ?? []
        struct Key: Hashable {
            var holder: PeerID
            var entries: [PlacementRecord.Entry]
        }
        var newest: [Key: PlacementRecord] = [:]
        for record in kept + incoming where record.isValid(now: now) {
            let key = Key(holder: record.holder, entries: record.entries)
            if let known = newest[key], known.issued >= record.issued { continue }
            newest[key] = record
        }
        let merged = newest.values.sorted { ($0.holder, $0.issued) < ($1.holder, $1.issued) }
        try blobs.put(kind: .placement, key: fileID, bytes: PlacementRecord.encodeList(merged), owner: descriptor.owner)
    }

    static func code(for error: StorageError) -> RemoteError.Code {
        switch error {
        case .noCapacity, .diskFull: .noCapacity
        case .shardNotFound, .corruptShard: .notFound
        case .shardHashMismatch, .malformedDescriptor, .malformedAccessGrant, .invalidShardID:
            .badRequest
        default: .internalError
        }
    }
}
