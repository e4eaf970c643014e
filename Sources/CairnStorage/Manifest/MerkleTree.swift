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
/// Cairn builds one tree per provider per file over the IDs of the shards that provider holds, in (segment,
/// index) order; its root goes into the manifest and the storage agreement, and the chain's audits ask for a
/// leaf with its inclusion proof (DESIGN.md §6).
public struct MerkleTree: Sendable {
    public let leaves: [Key256]
    /// levels[0] holds the leaf hashes; the last level holds the root alone.
    private let levels: [[Key256]]

    public init(leaves: [Key256]) {
        self.leaves = leaves
        var levels = [leaves.map(MerkleTree.leafHash)]
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

    public static let emptyRoot = SHA256.hash([UInt8]())

    /// The audit path for leaf `index` (RFC 9162 §2.1.3.1), nil when out of range.
    public func proof(forLeafAt index: Int) -> MerkleProof? {
        guard index >= 0, index < leaves.count else { return nil }
        var path: [Key256] = []
        var position = index
        for level in levels.dropLast() {
            let sibling = position ^ 1
            if sibling < level.count { path.append(level[sibling]) }
            position /= 2
        }
        return MerkleProof(leafIndex: index, leafCount: leaves.count, path: path)
    }

    public static func leafHash(_ leaf: Key256) -> Key256 {
        var input = [UInt8](repeating: 0, count: 33)
        input.withUnsafeMutableBytes { leaf.store(to: $0.baseAddress! + 1) }
        return SHA256.hash(input)
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

    /// True when `leaf` at `leafIndex` hashes with `path` to `root`: RFC 9162 §2.1.3.2, verbatim.
    public func verify(leaf: Key256, root: Key256) -> Bool {
        guard leafIndex >= 0, leafIndex < leafCount, path.count <= 64 else { return false }
        var fn = UInt64(leafIndex)
        var sn = UInt64(leafCount - 1)
        var r = MerkleTree.leafHash(leaf)
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
