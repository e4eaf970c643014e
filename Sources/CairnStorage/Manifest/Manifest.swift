import CairnCrypto
import CairnWire

/// Everything needed to find, rebuild and check a file, signed by its owner (DESIGN.md §5). Stored in the
/// network like any content; the file's ID is the SHA-256 of its encoding.
///
/// It reveals the file's name and size and where its shards are, but not its contents: the file key inside
/// is sealed to the owner's key.
public struct Manifest: Hashable, Sendable {
    /// Version 2 adds `keyCheck`; version 1 manifests (without it) are still read.
    public static let formatVersion: UInt8 = 2
    /// Longest file name, in UTF-8 bytes.
    public static let maxFileNameBytes = 255
    /// A sealed 32-byte key is 80 bytes; room for other sealing schemes, but bounded.
    public static let maxSealedKeyBytes = 1024
    /// 2²² segments: 16 TiB at the default 4 MiB segment size.
    public static let maxSegmentCount = 1 << 22

    public var fileName: String
    public var fileSize: UInt64
    public var parameters: CodingParameters
    /// The random value bound into every segment's associated data.
    public var fileNonce: Key256
    public var segments: [Segment]
    /// One root per provider over the IDs of the shards it holds for this file; kept sorted by provider and in
    /// step with `segments[].holders` by `updateProviderRoots()` (which `sign(with:)` calls).
    public var providerRoots: [ProviderRoot]
    public var created: Instant
    public var owner: PublicKey
    /// The file key sealed to the owner's key (SealedBox); opaque here.
    public var sealedKey: [UInt8]
    /// A check value of the file key (`Manifest.keyCheck(for:fileNonce:)`), so that a wrong key from a capability
    /// or a grant is refused before anything is fetched, whatever the file's size, empty files included (issue 6,
    /// item 4). Nil only in version 1 manifests.
    public var keyCheck: Key256?
    /// The owner's Ed25519 signature over `signingBytes`.
    public var signature: [UInt8]

    /// One segment: its sizes, its n shard IDs, and who holds each shard.
    public struct Segment: Hashable, Sendable {
        public var plaintextLength: Int
        public var shardLength: Int
        public var shardIDs: [ShardID]
        /// `holders[i]` holds shard i; `Key256.zero` while not yet placed.
        public var holders: [PeerID]

        public init(plaintextLength: Int, shardLength: Int, shardIDs: [ShardID], holders: [PeerID]) {
            self.plaintextLength = plaintextLength
            self.shardLength = shardLength
            self.shardIDs = shardIDs
            self.holders = holders
        }

        /// The segment as encoded, not yet placed.
        public init(_ encoded: EncodedSegment) {
            self.init(plaintextLength: encoded.plaintextLength, shardLength: encoded.shardLength,
                      shardIDs: encoded.shardIDs, holders: Array(repeating: .zero, count: encoded.shardIDs.count))
        }
    }

    /// The Merkle root over the shard IDs one provider holds for this file (the leaf count travels with it so
    /// that proofs can be checked against it).
    public struct ProviderRoot: Hashable, Sendable {
        public var provider: PeerID
        public var leafCount: Int
        public var root: Key256

        public init(provider: PeerID, leafCount: Int, root: Key256) {
            self.provider = provider
            self.leafCount = leafCount
            self.root = root
        }
    }

    public init(
        fileName: String, fileSize: UInt64, parameters: CodingParameters, fileNonce: Key256, segments: [Segment],
        created: Instant, owner: PublicKey, sealedKey: [UInt8], keyCheck: Key256? = nil,
        providerRoots: [ProviderRoot]? = nil, signature: [UInt8] = []
    ) {
        self.fileName = fileName
        self.fileSize = fileSize
        self.parameters = parameters
        self.fileNonce = fileNonce
        self.segments = segments
        self.created = created
        self.owner = owner
        self.sealedKey = sealedKey
        self.keyCheck = keyCheck
        self.signature = signature
        self.providerRoots = []
        self.providerRoots = providerRoots ?? computedProviderRoots()
    }

    /// SHA-256 of the encoded manifest, signature included: the file's ID.
    public var fileID: Key256 { SHA256.hash(encoded()) }

    /// True when every shard has a holder.
    public var isPlaced: Bool { segments.allSatisfy { !$0.holders.contains(.zero) } }

    /// The IDs of the shards `provider` holds, in (segment, index) order: the leaves of its Merkle tree.
    public func shardIDs(heldBy provider: PeerID) -> [ShardID] {
        var ids: [ShardID] = []
        for segment in segments {
            for (index, holder) in segment.holders.enumerated() where holder == provider {
                ids.append(segment.shardIDs[index])
            }
        }
        return ids
    }

    /// `provider`'s Merkle tree, from which audit proofs are drawn.
    public func merkleTree(for provider: PeerID) -> MerkleTree { MerkleTree(leaves: shardIDs(heldBy: provider)) }

    /// Recomputes `providerRoots` from the holders.
    public mutating func updateProviderRoots() { providerRoots = computedProviderRoots() }

    func computedProviderRoots() -> [ProviderRoot] {
        var leaves: [PeerID: [ShardID]] = [:]
        for segment in segments {
            for (index, holder) in zip(segment.shardIDs.indices, segment.holders) where holder != .zero {
                leaves[holder, default: []].append(segment.shardIDs[index])
            }
        }
        return leaves.keys.sorted().map { provider in
            let ids = leaves[provider]!
            return ProviderRoot(provider: provider, leafCount: ids.count, root: MerkleTree(leaves: ids).root)
        }
    }
}
