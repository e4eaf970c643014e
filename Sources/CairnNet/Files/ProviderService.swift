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
    /// manifest and confirm (a put of many GiB over a slow link takes a while), short enough that abandoned
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
    func serve(_ request: StorageRequest, on loop: EventLoop, acceptRecord: @escaping (ProviderRecord) -> String?)
        -> EventLoopFuture<Response>
    {
        if case .putBlob(_, let key, let record?, _) = request {
            let refusal = record.key == key ? acceptRecord(record) : "it is for another key (\(record.key.hex))"
            if let refusal {
                return loop.makeSucceededFuture(.error(RemoteError(
                    code: .refused, message: "the provider record sent with blob \(key.hex) was refused: \(refusal)")))
            }
        }
        return pool.runIfActive(eventLoop: loop) { try self.handle(request) }
            .map { Response.storage($0) }
            .recover { error in
                switch error {
                case let error as StorageError: .error(RemoteError(code: Self.code(for: error), message: "\(error)"))
                case let error as RemoteError: .error(error)
                default: .error(RemoteError(code: .internalError, message: "\(error)"))
                }
            }
    }

    /// The blocking part of a request, on a pool thread.
    func handle(_ request: StorageRequest) throws -> StorageResponse {
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
            _ = try blobs.delete(kind: .manifest, key: order.fileID, owner: order.owner)
            return .deleted(shards: count)
        case .confirm(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "confirmation for \(order.fileID.hex) has a bad signature")
            }
            let kept = try shards.confirm(file: order.fileNonce, owner: order.owner.peerID, shards: order.shardIDs)
            return .confirmed(shards: kept)
        case .holds(let ids):
            return .holding(try shards.contains(ids))
        }
    }

    /// Checks that a blob is what its kind and key claim; returns the key allowed to delete it.
    static func validate(kind: BlobKind, key: Key256, blob: [UInt8]) throws -> PublicKey {
        switch kind {
        case .manifest:
            guard SHA256.hash(blob) == key else {
                throw RemoteError(code: .refused, message: "manifest does not hash to its key \(key.hex)")
            }
            let manifest = try Manifest(decoding: blob)
            guard manifest.verifySignature() else {
                throw RemoteError(code: .refused, message: "manifest \(key.hex) has a bad owner signature")
            }
            return manifest.owner
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

    static func code(for error: StorageError) -> RemoteError.Code {
        switch error {
        case .noCapacity, .diskFull: .noCapacity
        case .shardNotFound, .corruptShard: .notFound
        case .shardHashMismatch, .malformedManifest, .malformedAccessGrant, .invalidShardID: .badRequest
        default: .internalError
        }
    }
}
