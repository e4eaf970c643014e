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
        let lookup = try await peer.query(.closestPeers(fileID))
        guard case .closestPeers(_, let keepers) = lookup.outcome else { throw FileError.unexpectedResponse("lookup") }
        var targets: [PeerID: PeerInfo] = holders
        for keeper in keepers { targets[keeper.id] = keeper }
        // This peer serves the descriptor of the files it provides.
        if let own = peer.listenAddress { targets[peer.peerID] = PeerInfo(id: peer.peerID, address: own) }
        let deleted = await withTaskGroup(of: Int.self) { group in
            for target in targets.values {
                // Each holder gets only the shards it holds, so orders stay small; one order names at most
                // `DeleteOrder.maxShards`, and a holder of more gets several.
                let mine = layout.shardIDs(heldBy: target.id)
                for batch in Self.batches(mine, of: DeleteOrder.maxShards) {
                    let order = DeleteOrder(fileID: fileID, fileNonce: layout.fileNonce, shardIDs: batch,
                                            owner: identity, issued: WallClock.now())
                    group.addTask {
                        guard case .deleted(let count)? = try? await self.peer.storageRequest(.delete(order), to: target)
                        else { return 0 }
                        return count
                    }
                }
            }
            var total = 0
            for await count in group { total += count }
            return total
        }
        _ = try index.remove(fileID)
        return RemoveResult(id: fileID.hex, deletedShards: deleted)
    }
}
