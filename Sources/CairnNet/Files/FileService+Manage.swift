import CairnPeer
import CairnStorage
import CairnWire
import NIOCore

/// `cairn share` / `POST /api/v0/files/{id}/share`.
public struct ShareResult: Codable, Sendable {
    public var id: String
    public var to: String
    public var storedAt: Int

    enum CodingKeys: String, CodingKey {
        case id, to
        case storedAt = "stored_at"
    }
}

/// `cairn rm` / `DELETE /api/v0/files/{id}`.
public struct RemoveResult: Codable, Sendable {
    public var id: String
    public var deletedShards: Int

    enum CodingKeys: String, CodingKey {
        case id
        case deletedShards = "deleted_shards"
    }
}

extension FileService {
    /// Grants `grantee` read access: the file key sealed to the grantee's key, signed by the owner, kept by the
    /// peers closest to the grant's key. The grantee must be reachable, to learn its public key.
    public func share(_ fileID: Key256, to grantee: PeerID) async throws -> ShareResult {
        let descriptor = try await descriptor(of: fileID)
        guard descriptor.owner == identity.publicKey else { throw FileError.notOwner(fileID) }
        let (fileKey, _) = try self.fileKey(for: descriptor, fileID: fileID, grant: nil)
        let granteeKey = try await publicKey(of: grantee)
        let sealed = try SealedBox.seal(fileKey.bytes, to: try granteeKey.x25519PublicKey())
        let grant = try AccessGrant(fileID: fileID, grantee: granteeKey, sealedKey: sealed, owner: identity)
        let stored = try await storeBlob(kind: .grant, key: BlobKeys.grant(fileID: fileID, grantee: grantee),
                                         bytes: grant.encoded(), replicas: Self.blobReplicas(for: descriptor.parameters))
        return ShareResult(id: fileID.hex, to: grantee.hex, storedAt: stored)
    }

    /// A peer's Ed25519 key, learned by finding it through the DHT and completing a handshake with it.
    func publicKey(of id: PeerID) async throws -> PublicKey {
        if id == peer.peerID { return identity.publicKey }
        let result = try await peer.query(.findPeer(id))
        guard case .peerFound(_, let addresses?) = result.outcome, let address = addresses.first else {
            throw FileError.peerNotFound(id)
        }
        let connection = try await peer.transport.connect(to: address, expecting: id).get()
        return connection.remotePublicKey
    }

    /// Deletes a file this identity owns: every holder and keeper gets the owner's signed order.
    public func remove(_ fileID: Key256) async throws -> RemoveResult {
        let layout = try await layout(of: fileID)
        guard layout.owner == identity.publicKey else { throw FileError.notOwner(fileID) }
        let holders = try await resolveHolders(of: layout)
        // The machine finds the keepers and sends every holder and keeper its order (`DeleteOperation`).
        let result = try await peer.perform(.deleteFile(layout, holders: holders))
        guard case .fileDeleted(let deleted) = result else { throw Self.error(from: result, "a delete") }
        _ = try index.remove(fileID)
        return RemoveResult(id: fileID.hex, deletedShards: deleted)
    }
}
