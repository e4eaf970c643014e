import COpenSSL
import CairnCrypto

/// A shard's ID binds its content (DESIGN.md §5, issue 7 item 4): the root of a Merkle tree (`MerkleTree`,
/// RFC 9162 shape) whose leaves are the shard's bytes cut into `leafSize`-byte pieces, the last one shorter
/// when the length is not a multiple.
///
/// Why a tree and not SHA-256 of the whole shard: a proof of storage asks for one random leaf with its path,
/// which only a holder of those bytes can give; a holder that kept only the 32-byte ID answers nothing.
///
/// Leaf size: 1 KiB. A proof carries one leaf and about log₂(leaves) + log₂(segments) hashes, so about 1.5 KiB
/// for a 1 MiB shard of a 4 GiB file; the chain posts one per agreement per epoch, so a smaller leaf keeps
/// blocks small. Hashing costs about 1/16 more than SHA-256 over the bytes (one extra block per leaf for the
/// 0x00 prefix and padding, and one inner node per leaf).
public enum ShardCommitment {
    public static let leafSize = 1024

    /// Leaves of a shard of `length` bytes: at least one (an empty shard has one empty leaf).
    public static func leafCount(shardLength length: Int) -> Int {
        max(1, (length + leafSize - 1) / leafSize)
    }

    /// Leaf `index` of a shard of `length` bytes, as a byte range.
    public static func leafRange(_ index: Int, shardLength length: Int) -> Range<Int> {
        let start = index * leafSize
        return start..<min(length, start + leafSize)
    }

    /// The ID of a shard with these bytes.
    public static func id(of bytes: UnsafeRawBufferPointer) -> ShardID {
        let hasher = MerkleHasher()
        return hasher.root(ofShard: bytes)
    }

    public static func id(of bytes: [UInt8]) -> ShardID {
        bytes.withUnsafeBytes { id(of: $0) }
    }

    /// Leaf `index` of `bytes` with its path to the shard's ID; nil when out of range.
    public static func proof(leaf index: Int, of bytes: UnsafeRawBufferPointer) -> (leaf: [UInt8], path: MerkleProof)? {
        let count = leafCount(shardLength: bytes.count)
        guard index >= 0, index < count else { return nil }
        let hasher = MerkleHasher()
        let hashes = (0..<count).map { hasher.leafHash(UnsafeRawBufferPointer(rebasing: bytes[leafRange($0, shardLength: bytes.count)])) }
        guard let path = MerkleTree(leafHashes: hashes).proof(forLeafAt: index) else { return nil }
        return (Array(bytes[leafRange(index, shardLength: bytes.count)]), path)
    }
}

/// SHA-256 for Merkle trees through one reused OpenSSL context: a tree of a 1 MiB shard takes about 2,000
/// hashes, and a fresh context per hash would cost more than the hashing of the small inner nodes.
///
/// Not thread-safe (it keeps its context): one per caller.
final class MerkleHasher {
    private let digest: OpaquePointer
    private let context: OpaquePointer

    init() {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil), let context = EVP_MD_CTX_new() else {
            fatalError("OpenSSL has no SHA-256, or is out of memory")
        }
        self.digest = digest
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(digest)
    }

    /// SHA-256(0x00 ‖ bytes).
    func leafHash(_ bytes: UnsafeRawBufferPointer) -> Key256 {
        var prefix: UInt8 = 0
        EVP_DigestInit_ex(context, digest, nil)
        EVP_DigestUpdate(context, &prefix, 1)
        if let base = bytes.baseAddress { EVP_DigestUpdate(context, base, bytes.count) }
        return finish()
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    func nodeHash(_ left: Key256, _ right: Key256) -> Key256 {
        withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { input in
            input[0] = 1
            left.store(to: input.baseAddress! + 1)
            right.store(to: input.baseAddress! + 33)
            EVP_DigestInit_ex(context, digest, nil)
            EVP_DigestUpdate(context, input.baseAddress!, 65)
            return finish()
        }
    }

    /// The RFC 9162 root over leaf hashes, folded in place (the same tree as `MerkleTree(leafHashes:)`).
    func root(ofLeafHashes hashes: inout [Key256]) -> Key256 {
        guard !hashes.isEmpty else { return MerkleTree.emptyRoot }
        var count = hashes.count
        while count > 1 {
            var next = 0
            var i = 0
            while i + 1 < count {
                hashes[next] = nodeHash(hashes[i], hashes[i + 1])
                next += 1
                i += 2
            }
            if i < count {
                hashes[next] = hashes[i]
                next += 1
            }
            count = next
        }
        return hashes[0]
    }

    /// A shard's ID (`ShardCommitment`).
    func root(ofShard bytes: UnsafeRawBufferPointer) -> Key256 {
        let count = ShardCommitment.leafCount(shardLength: bytes.count)
        var hashes: [Key256] = []
        hashes.reserveCapacity(count)
        for leaf in 0..<count {
            hashes.append(leafHash(UnsafeRawBufferPointer(
                rebasing: bytes[ShardCommitment.leafRange(leaf, shardLength: bytes.count)])))
        }
        return root(ofLeafHashes: &hashes)
    }

    private func finish() -> Key256 {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            var written: UInt32 = 0
            EVP_DigestFinal_ex(context, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written)
            return Key256(loadingBigEndian: UnsafeRawPointer(out.baseAddress!))
        }
    }
}
