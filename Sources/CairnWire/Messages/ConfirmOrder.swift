/// An owner's signed word that a file's shards on one provider belong to a stored file (issue 6, item 6).
///
/// Shards arrive *pending*: a put that fails, or an uploader that crashes, must not leave them on providers
/// for ever, and the uploader cannot name the file while it uploads (the file ID is the hash of a descriptor that
/// lists the shards). Once the descriptor is stored, the uploader sends each holder one confirmation naming the
/// file ID, the file nonce the shards were stored under (`StorageRequest.putShard`'s `file`) and that holder's
/// shard IDs, signed by the owner. The provider checks the signature and marks the owner's references for that
/// nonce confirmed; references still pending after its grace period are released (`ShardStore.reclaimPending`).
public struct ConfirmOrder: Hashable, Sendable {
    public var fileID: Key256
    public var fileNonce: Key256
    public var shardIDs: [Key256]
    /// The positions (slot, segments) those shards fill, for the holder's signed `PlacementRecord`.
    public var entries: [PlacementRecord.Entry]
    public var owner: PublicKey
    public var issued: Instant
    public var signature: [UInt8]

    public static let maxShards = DeleteOrder.maxShards

    public init(
        fileID: Key256, fileNonce: Key256, shardIDs: [Key256], entries: [PlacementRecord.Entry] = [],
        owner: PublicKey, issued: Instant, signature: [UInt8]
    ) {
        self.fileID = fileID
        self.fileNonce = fileNonce
        self.shardIDs = shardIDs
        self.entries = entries
        self.owner = owner
        self.issued = issued
        self.signature = signature
    }

    public init(fileID: Key256, fileNonce: Key256, shardIDs: [Key256], entries: [PlacementRecord.Entry] = [],
                owner: Identity, issued: Instant) {
        self.init(fileID: fileID, fileNonce: fileNonce, shardIDs: shardIDs, entries: entries, owner: owner.publicKey,
                  issued: issued, signature: [])
        signature = owner.sign(signingBytes)
    }

    /// A domain of its own, so that a confirmation can never be replayed as a delete order or the reverse.
    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/confirm/v2")
        out.append(fileID.bytes)
        out.append(fileNonce.bytes)
        out.append(UInt32(shardIDs.count))
        for id in shardIDs { out.bytes.append(contentsOf: id.bytes) }
        out.append(UInt32(entries.count))
        for entry in entries {
            out.append(entry.slot)
            out.append(entry.segments.lowerBound)
            out.append(entry.segments.upperBound)
        }
        out.append(owner.bytes)
        out.append(issued)
        return out.bytes
    }

    public var isSignatureValid: Bool { owner.verify(signature: signature, message: signingBytes) }
}
