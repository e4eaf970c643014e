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
    /// Storage agreements of the file this peer owned and ended (their unused escrow comes back).
    public var agreementsEnded: Int
    /// Why some open agreements could not be ended, if any.
    public var agreementsNote: String?

    enum CodingKeys: String, CodingKey {
        case id
        case deletedShards = "deleted_shards"
        case agreementsEnded = "agreements_ended"
        case agreementsNote = "agreements_note"
    }

    public init(id: String, deletedShards: Int, agreementsEnded: Int = 0, agreementsNote: String? = nil) {
        self.id = id
        self.deletedShards = deletedShards
        self.agreementsEnded = agreementsEnded
        self.agreementsNote = agreementsNote
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        deletedShards = try container.decode(Int.self, forKey: .deletedShards)
        agreementsEnded = try container.decodeIfPresent(Int.self, forKey: .agreementsEnded) ?? 0
        agreementsNote = try container.decodeIfPresent(String.self, forKey: .agreementsNote)
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

    /// A peer's Ed25519 key, from its signed record, which the machine finds through the DHT (the peer itself
    /// serves it, and so do the peers it published it at).
    func publicKey(of id: PeerID) async throws -> PublicKey {
        let result = try await peer.query(.findPeerRecord(id))
        guard case .peerRecord(_, let record?) = result.outcome else { throw FileError.peerNotFound(id) }
        return record.publicKey
    }

    /// Deletes a file this identity owns: every holder and keeper gets the owner's signed order.
    public func remove(_ fileID: Key256) async throws -> RemoveResult {
        let layout = try await layout(of: fileID)
        guard layout.owner == identity.publicKey else { throw FileError.notOwner(fileID) }
        let holders = try await resolveHolders(of: layout)
        // The machine finds the keepers and sends every holder and keeper its order (`DeleteOperation`).
        let result = try await peer.perform(.deleteFile(layout, holders: holders))
        guard case .fileDeleted(let deleted, let ended, let note) = result else {
            throw Self.error(from: result, "a delete")
        }
        _ = try index.remove(fileID)
        return RemoveResult(id: fileID.hex, deletedShards: deleted, agreementsEnded: ended, agreementsNote: note)
    }
}
