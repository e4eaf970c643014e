import CairnCrypto
import CairnWire

/// What a file is, signed by its owner and immutable (DESIGN.md §5): sizes, coding parameters, the content
/// commitments, the owner's key, the file key sealed to the owner, and the name and metadata sealed under the
/// file key. **File ID = SHA-256 of the encoded descriptor.**
///
/// It says nothing of *where* the shards are: placement (which provider holds which slot now) lives apart, in
/// records signed by the holders (`PlacementRecord`), so that moving a shard changes neither the file ID nor
/// any capability, and needs neither the owner nor the file key.
///
/// A keeper learns sizes and shard IDs, never the name: only a holder of the file key opens `sealedMetadata`.
public struct Descriptor: Hashable, Sendable {
    /// Versions 1 and 2 were the manifest, which named holders and carried the name in clear; they are refused.
    public static let formatVersion: UInt8 = 3
    /// A sealed 32-byte key is 80 bytes; room for other sealing schemes, but bounded.
    public static let maxSealedKeyBytes = 1024
    /// Sealed name and metadata: 64 KiB.
    public static let maxSealedMetadataBytes = 64 * 1024
    /// 2²² segments: 16 TiB at the default 4 MiB segment size.
    public static let maxSegmentCount = 1 << 22

    public var fileSize: UInt64
    public var parameters: CodingParameters
    /// The random value bound into every segment's associated data, and the file's reference at providers
    /// before the ID exists (`ShardReference`).
    public var fileNonce: Key256
    /// `shardIDs[s][i]`: the ID of shard i of segment s; `parameters.segmentCount(forFileSize:)` rows of n.
    public var shardIDs: [[ShardID]]
    public var created: Instant
    public var owner: PublicKey
    /// The file key sealed to the owner's key (SealedBox).
    public var sealedKey: [UInt8]
    /// `FileMetadata` sealed under the file key (`FileMetadata.seal`).
    public var sealedMetadata: [UInt8]
    /// The owner's Ed25519 signature over `signingBytes`.
    public var signature: [UInt8]

    public init(
        fileSize: UInt64, parameters: CodingParameters, fileNonce: Key256, shardIDs: [[ShardID]], created: Instant,
        owner: PublicKey, sealedKey: [UInt8], sealedMetadata: [UInt8], signature: [UInt8] = []
    ) {
        self.fileSize = fileSize
        self.parameters = parameters
        self.fileNonce = fileNonce
        self.shardIDs = shardIDs
        self.created = created
        self.owner = owner
        self.sealedKey = sealedKey
        self.sealedMetadata = sealedMetadata
        self.signature = signature
    }

    /// A new descriptor for a file just encoded: the key sealed to `owner`, the metadata sealed under the key,
    /// checked and signed. Throws `malformedDescriptor` when a field is out of bounds. `sealingSeed` (32 bytes)
    /// makes the sealed key, and so the file ID, the same for the same inputs (the simulator's runs); nil draws
    /// the ephemeral key at random.
    public init(
        fileSize: UInt64, parameters: CodingParameters, fileNonce: Key256, shardIDs: [[ShardID]], created: Instant,
        metadata: FileMetadata, fileKey: FileKey, owner: Identity, sealingSeed: [UInt8]? = nil
    ) throws(StorageError) {
        self.init(
            fileSize: fileSize, parameters: parameters, fileNonce: fileNonce, shardIDs: shardIDs, created: created,
            owner: owner.publicKey, sealedKey: try fileKey.sealed(to: owner.publicKey, ephemeralSeed: sealingSeed),
            sealedMetadata: try metadata.sealed(with: fileKey, fileNonce: fileNonce))
        try sign(with: owner)
    }

    /// SHA-256 of the encoded descriptor, signature included.
    public var fileID: Key256 { SHA256.hash(encoded()) }

    public var segmentCount: Int { shardIDs.count }

    /// Plaintext bytes of segment `index`.
    public func plaintextLength(ofSegment index: Int) -> Int {
        parameters.plaintextLength(ofSegment: index, fileSize: fileSize)
    }

    /// Bytes of each shard of segment `index`.
    public func shardLength(ofSegment index: Int) -> Int {
        parameters.shardLength(forPlaintextLength: plaintextLength(ofSegment: index))
    }

    /// The shard IDs of slot `slot` (shard index `slot` of every segment), in segment order.
    public func shardIDs(ofSlot slot: Int) -> [ShardID] {
        shardIDs.map { $0[slot] }
    }

    /// The Merkle root over slot `slot`'s shard IDs: the one value that every proof of storage for the slot is
    /// checked against (`StorageProof`), and what a storage agreement will commit to.
    public func slotRoot(_ slot: Int) -> Key256 {
        MerkleTree(leaves: shardIDs(ofSlot: slot)).root
    }

    public var slotRoots: [Key256] { (0..<parameters.n).map(slotRoot) }

    /// The name and metadata, opened with the file key. Throws `wrongFileKey` when the key is not this file's:
    /// the check a reader makes before a single byte of the file is served (issue 6, item 4).
    public func metadata(with key: FileKey) throws(StorageError) -> FileMetadata {
        try FileMetadata(opening: sealedMetadata, with: key, fileNonce: fileNonce)
    }

    /// Checks that the sizes agree with one another and every field fits its bound.
    public func validate() throws(StorageError) {
        func fail(_ reason: String) -> StorageError { .malformedDescriptor(reason) }
        do {
            try parameters.validate()
        } catch {
            throw fail(error.description)
        }
        let expected = parameters.segmentCount(forFileSize: fileSize)
        guard expected <= Descriptor.maxSegmentCount else {
            throw fail("\(expected) segments exceed the limit of \(Descriptor.maxSegmentCount)")
        }
        guard shardIDs.count == expected else {
            throw fail("\(shardIDs.count) segments listed for a file of \(fileSize) bytes, which has \(expected)")
        }
        if let row = shardIDs.firstIndex(where: { $0.count != parameters.n }) {
            throw fail("segment \(row) lists \(shardIDs[row].count) shards instead of \(parameters.n)")
        }
        guard sealedKey.count <= Descriptor.maxSealedKeyBytes else {
            throw fail("sealed key of \(sealedKey.count) bytes exceeds \(Descriptor.maxSealedKeyBytes)")
        }
        guard sealedMetadata.count <= Descriptor.maxSealedMetadataBytes else {
            throw fail("sealed metadata of \(sealedMetadata.count) bytes exceeds \(Descriptor.maxSealedMetadataBytes)")
        }
    }
}
