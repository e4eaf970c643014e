import CairnCrypto

/// A binary Merkle tree over SHA-256 in the shape of RFC 9162 §2.1 (Certificate Transparency):
///
///     leaf hash  = SHA-256(0x00 ‖ leaf)
///     node hash  = SHA-256(0x01 ‖ left ‖ right)
///     MTH({})    = SHA-256()
///     MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n
///
/// The 0x00/0x01 prefixes keep a leaf from ever passing for an inner node (second preimages). Built level by
/// level, pairing neighbours and carrying a lone last node up unchanged, which yields exactly the tree above.
///
/// Cairn builds two kinds (DESIGN.md §5): a shard's ID is the root of a tree over the shard's bytes in
/// `ShardCommitment.leafSize` pieces, and a slot's root is that of a tree over the IDs of the slot's shards in
/// segment order. A proof of storage is a leaf of a shard with its path to the shard ID, and the shard ID with
/// its path to the slot root (`StorageProof`).
public struct MerkleTree: Sendable {
    /// levels[0] holds the leaf hashes; the last level holds the root alone.
    private let levels: [[Key256]]

    /// A tree whose leaves are 32-byte values (shard IDs), each hashed as `leafHash(_:)`.
    public init(leaves: [Key256]) {
        self.init(leafHashes: leaves.map(MerkleTree.leafHash))
    }

    /// A tree over leaves already hashed (`leafHash(_:)` or `leafHash(bytes:)`).
    public init(leafHashes: [Key256]) {
        var levels = [leafHashes]
        while let last = levels.last, last.count > 1 {
            var next = [Key256]()
            next.reserveCapacity((last.count + 1) / 2)
            var i = 0
            while i + 1 < last.count {
                next.append(MerkleTree.nodeHash(last[i], last[i + 1]))
                i += 2
            }
            if i < last.count { next.append(last[i]) }
            levels.append(next)
        }
        self.levels = levels
    }

    public var root: Key256 { levels.last?.first ?? MerkleTree.emptyRoot }

    public var leafCount: Int { levels[0].count }

    public static let emptyRoot = SHA256.hash([UInt8]())

    /// The audit path for leaf `index` (RFC 9162 §2.1.3.1), nil when out of range.
    public func proof(forLeafAt index: Int) -> MerkleProof? {
        guard index >= 0, index < leafCount else { return nil }
        var path: [Key256] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count { path.append(level[sibling]) }
            position /= 2
        }
        return MerkleProof(leafIndex: index, leafCount: leafCount, path: path)
    }

    public static func leafHash(_ leaf: Key256) -> Key256 {
        var input = [UInt8](repeating: 0, count: 33)
        input.withUnsafeMutableBytes { leaf.store(to: $0.baseAddress! + 1) }
        return SHA256.hash(input)
    }

    /// SHA-256(0x00 ‖ bytes): the hash of a leaf of raw bytes (a piece of a shard).
    public static func leafHash(bytes: UnsafeRawBufferPointer) -> Key256 {
        withUnsafeTemporaryAllocation(byteCount: bytes.count + 1, alignment: 8) { input in
            input[0] = 0
            if let base = bytes.baseAddress { (input.baseAddress! + 1).copyMemory(from: base, byteCount: bytes.count) }
            return SHA256.hash(buffer: UnsafeRawBufferPointer(input))
        }
    }

    public static func nodeHash(_ left: Key256, _ right: Key256) -> Key256 {
        var input = [UInt8](repeating: 1, count: 65)
        input.withUnsafeMutableBytes {
            left.store(to: $0.baseAddress! + 1)
            right.store(to: $0.baseAddress! + 33)
        }
        return SHA256.hash(input)
    }
}

/// That leaf `leafIndex` of a tree of `leafCount` leaves hashes up to a root, with the siblings on the way.
public struct MerkleProof: Hashable, Sendable {
    public var leafIndex: Int
    public var leafCount: Int
    public var path: [Key256]

    public init(leafIndex: Int, leafCount: Int, path: [Key256]) {
        self.leafIndex = leafIndex
        self.leafCount = leafCount
        self.path = path
    }

    /// True when the 32-byte `leaf` at `leafIndex` hashes with `path` to `root`.
    public func verify(leaf: Key256, root: Key256) -> Bool {
        verify(leafHash: MerkleTree.leafHash(leaf), root: root)
    }

    /// True when a leaf whose hash is `leafHash` sits at `leafIndex` under `root`: RFC 9162 §2.1.3.2, verbatim.
    public func verify(leafHash: Key256, root: Key256) -> Bool {
        guard leafIndex >= 0, leafIndex < leafCount, path.count <= 64 else { return false }
        var fn = UInt64(leafIndex)
        var sn = UInt64(leafCount - 1)
        var r = leafHash
        for p in path {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleTree.nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleTree.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }
}

extension Key256 {
    /// Writes the 32 big-endian bytes at `pointer`.
    func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        pointer.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }
}
