import NIOCore

/// The file-storage protocol between an uploading or downloading peer and a provider (DESIGN.md §5).
///
/// Shards are content-addressed: a provider accepts one only when SHA-256 of the bytes equals its ID.
/// Small signed or content-addressed blobs (descriptors, access grants) are kept by the peers closest to their
/// key, like DHT values, but travel here because they can be large.
/// Indirect: its larger cases (a shard with three keys, a blob with its record) would make every `Request`, and
/// every event and action that carries one, as large as they are; boxed, a request moves as a pointer.
public indirect enum StorageRequest: Hashable, Sendable {
    /// Store a shard durably (fsync'd) before answering `.stored`, kept for the file whose nonce is `file` and
    /// for `owner`: a shard that several files share stays until every one of them has released it.
    case putShard(id: Key256, file: Key256, owner: PublicKey, bytes: ByteBuffer)
    case getShard(id: Key256)
    /// Free and used space, and the provider's clock (which a put compares with its own before it uploads).
    case capacity
    /// Keep a blob under `key`; the keeper checks it fits its kind (`BlobKind`). A provider record for the same
    /// key may ride along, sparing a separate DHT STORE to the same peer: the keeper stores it as if it came in
    /// an `addProvider`.
    case putBlob(kind: BlobKind, key: Key256, provider: ProviderRecord?, bytes: ByteBuffer)
    case getBlob(kind: BlobKind, key: Key256)
    /// Delete a file's shards and descriptor; only honoured with the owner's signature.
    case delete(DeleteOrder)
    /// Mark the listed shards, stored pending for the order's file nonce, as part of a stored file; only
    /// honoured with the owner's signature. Pending shards are reclaimed after the provider's grace period.
    case confirm(ConfirmOrder)
    /// Which of these shards are stored here? A cheap probe (an index lookup, no shard is read) that a get makes
    /// of every holder before it answers, to refuse a file that cannot be assembled before sending a byte.
    case holds(ids: [Key256])
    /// Show leaf `leaf` of shard `id` with its Merkle path to the shard ID (a proof of storage; `cairn check
    /// --verify`). The checker verifies it against the shard ID and the descriptor's slot root itself.
    case prove(id: Key256, leaf: UInt32)
    /// Keep for good the shards at `entries` of the file described by `descriptor` (encoded), which this
    /// provider stores pending, and sign a placement record for them. Anyone may ask — a repairer rebuilds
    /// shards without the owner — because the descriptor's owner signature says the file exists and names every
    /// shard: the provider adopts only shards the descriptor lists at those positions.
    case adopt(descriptor: ByteBuffer, entries: [PlacementRecord.Entry])
    /// A file's placement records and, with `descriptor`, its descriptor, in one answer (`located`): what a reader
    /// asks of the first keepers, which it used to send a request for each.
    case locate(fileID: Key256, descriptor: Bool)
}

/// Indirect for the same reason as `StorageRequest`.
public indirect enum StorageResponse: Hashable, Sendable {
    case stored
    case shard(ByteBuffer)
    /// `free` is what the provider can really take: its capacity less what is used, and never more than its
    /// disk has free (less a reserve). `now` is the provider's wall clock when it answered (nil from a peer that
    /// predates the field).
    case capacity(total: UInt64, used: UInt64, free: UInt64, now: Instant?)
    case blob(ByteBuffer?)
    case deleted(shards: Int)
    /// How many of the named shards the holder keeps, and its signed record of the positions it holds.
    case confirmed(shards: Int, placement: PlacementRecord?)
    /// One flag per ID of the `holds` request, in its order.
    case holding([Bool])
    /// The leaf's bytes and its audit path (RFC 9162) to the shard ID, in a tree of `leafCount` leaves.
    case proof(leaf: ByteBuffer, leafCount: UInt32, path: [Key256])
    /// The answer to `locate`: the descriptor kept here (nil when not asked for or not kept) and the encoded
    /// placement records kept here (nil: none, or too many to ride with the descriptor).
    case located(descriptor: ByteBuffer?, placement: ByteBuffer?)
}

/// What a blob is, which decides how a keeper checks it.
///
/// Raw value 1 was the descriptor of files stored before stable file IDs; it is refused (`unknownTag`).
public enum BlobKind: UInt8, Hashable, Sendable {
    /// An access grant; its key is `grantKey(fileID:grantee:)`, its signature the owner's.
    case grant = 2
    /// A file descriptor; its key is SHA-256 of its bytes (the file ID), its signature the owner's.
    case descriptor = 3
    /// The holders' placement records of a file, keyed by the file ID; a keeper merges what it is sent with
    /// what it has, record by record (each signed by its holder).
    case placement = 4
}

/// An owner's signed order to delete a file's shards and descriptor. A provider drops the owner's reference for
/// `fileNonce` on each listed shard, and deletes a shard only when no other file still references it.
public struct DeleteOrder: Hashable, Sendable {
    public var fileID: Key256
    /// The file's nonce, under which its shards were stored (`StorageRequest.putShard`'s `file`).
    public var fileNonce: Key256
    public var shardIDs: [Key256]
    public var owner: PublicKey
    public var issued: Instant
    public var signature: [UInt8]

    public static let maxShards = 65_535

    public init(
        fileID: Key256, fileNonce: Key256, shardIDs: [Key256], owner: PublicKey, issued: Instant, signature: [UInt8]
    ) {
        self.fileID = fileID
        self.fileNonce = fileNonce
        self.shardIDs = shardIDs
        self.owner = owner
        self.issued = issued
        self.signature = signature
    }

    public init(fileID: Key256, fileNonce: Key256, shardIDs: [Key256], owner: Identity, issued: Instant) {
        self.init(fileID: fileID, fileNonce: fileNonce, shardIDs: shardIDs, owner: owner.publicKey, issued: issued,
                  signature: [])
        signature = owner.sign(signingBytes)
    }

    public var signingBytes: [UInt8] {
        var out = SigningBytes(domain: "cairn/delete/v2")
        out.append(fileID.bytes)
        out.append(fileNonce.bytes)
        out.append(UInt32(shardIDs.count))
        for id in shardIDs { out.bytes.append(contentsOf: id.bytes) }
        out.append(owner.bytes)
        out.append(issued)
        return out.bytes
    }

    public var isSignatureValid: Bool { owner.verify(signature: signature, message: signingBytes) }
}

extension StorageRequest {
    /// Largest descriptor or grant a peer keeps.
    public static let maxBlobBytes = 4 * 1024 * 1024
    /// Most shard IDs one `holds` probe names (512 KiB of IDs); a larger list is sent in several probes.
    public static let maxProbedShards = 16_384
}
