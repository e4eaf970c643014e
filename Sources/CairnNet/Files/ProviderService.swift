import CairnPeer
import CairnStorage
import CairnWire
import Logging
import NIOCore
import NIOPosix

/// The provider side of the storage protocol: keeps shards and blobs for other peers. Disk work runs on a
/// thread pool, never on the event loop.
public final class ProviderService: Sendable {
    public let shards: ShardStore
    public let blobs: BlobStore
    let pool: NIOThreadPool
    let logger: Logger

    public init(shards: ShardStore, blobs: BlobStore, pool: NIOThreadPool, logger: Logger) {
        self.shards = shards
        self.blobs = blobs
        self.pool = pool
        self.logger = logger
    }

    /// Answers one storage request from `remote`; `announce` needs the peer to publish a DHT record.
    func serve(_ request: StorageRequest, from remote: PeerID, peer: NetworkPeer) async -> Response {
        do {
            return .storage(try await handle(request, peer: peer))
        } catch let error as StorageError {
            return .error(RemoteError(code: Self.code(for: error), message: "\(error)"))
        } catch let error as RemoteError {
            return .error(error)
        } catch {
            return .error(RemoteError(code: .internalError, message: "\(error)"))
        }
    }

    func handle(_ request: StorageRequest, peer: NetworkPeer) async throws -> StorageResponse {
        switch request {
        case .putShard(let id, let owner, let bytes):
            try await pool.runIfActive {
                try bytes.withUnsafeReadableBytes { buffer in
                    _ = try self.shards.write(buffer, id: id, owner: owner.peerID, now: WallClock.now())
                }
            }
            return .stored
        case .getShard(let id):
            let bytes = try await pool.runIfActive { try self.shards.read(id) }
            return .shard(ByteBuffer(bytes: bytes))
        case .capacity:
            let (total, used) = try await pool.runIfActive { (self.shards.capacity, try self.shards.used()) }
            return .capacity(total: total, used: used)
        case .putBlob(let kind, let key, let record, let bytes):
            let blob = Array(bytes.readableBytesView)
            let owner = try Self.validate(kind: kind, key: key, blob: blob)
            if let record {
                guard record.key == key, try await peer.acceptProviderRecord(record) else {
                    throw RemoteError(code: .refused, message: "the provider record sent with blob \(key.hex) is invalid")
                }
            }
            try await pool.runIfActive { try self.blobs.put(kind: kind, key: key, bytes: blob, owner: owner) }
            return .stored
        case .getBlob(let kind, let key):
            let blob = try await pool.runIfActive { try self.blobs.get(kind: kind, key: key) }
            return .blob(blob.map { ByteBuffer(bytes: $0) })
        case .delete(let order):
            guard order.isSignatureValid else {
                throw RemoteError(code: .refused, message: "delete order for \(order.fileID.hex) has a bad signature")
            }
            let deleted = try await pool.runIfActive {
                var count = 0
                for id in order.shardIDs where try self.shards.shard(id)?.owner == order.owner.peerID {
                    if try self.shards.delete(id) { count += 1 }
                }
                _ = try self.blobs.delete(kind: .manifest, key: order.fileID, owner: order.owner)
                return count
            }
            return .deleted(shards: deleted)
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
        case .noCapacity: .noCapacity
        case .shardNotFound, .corruptShard: .notFound
        case .shardHashMismatch, .malformedManifest, .malformedAccessGrant, .invalidShardID: .badRequest
        default: .internalError
        }
    }
}
