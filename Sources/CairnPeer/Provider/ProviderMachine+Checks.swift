import CairnStorage
import CairnWire

extension ProviderMachine {
    /// Checks that a blob is what its kind and key claim; returns the key allowed to delete it. Placement
    /// records are merged record by record instead (`mergePlacement`).
    static func owner(ofBlob blob: [UInt8], kind: BlobKind, key: Key256) throws -> PublicKey {
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

    /// The shard IDs at `entries` of a described file. Only positions the descriptor names may be adopted;
    /// any other refuses the whole request.
    static func shardsToAdopt(of descriptor: Descriptor, fileID: Key256, at entries: [PlacementRecord.Entry]) throws
        -> [ShardID]
    {
        var ids: [ShardID] = []
        for entry in entries {
            guard Int(entry.slot) < descriptor.parameters.n, Int(entry.segments.upperBound) <= descriptor.segmentCount
            else {
                throw RemoteError(code: .badRequest, message: "slot \(entry.slot) of segments \(entry.segments) "
                    + "is not a position of file \(fileID.hex)")
            }
            for segment in entry.segments { ids.append(descriptor.shardIDs[Int(segment)][Int(entry.slot)]) }
        }
        return ids
    }

    /// What the requester is told of a failure.
    static func remoteError(for error: any Error) -> RemoteError {
        switch error {
        case let error as RemoteError: error
        case let error as StorageError: RemoteError(code: code(for: error), message: "\(error)")
        default: RemoteError(code: .badRequest, message: "\(error)")
        }
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
