import COpenSSL
import CairnCrypto

/// The IDs (`ShardCommitment`: Merkle roots over 1 KiB leaves) of all the shards of a segment at once, through
/// OpenSSL's EVP digests fed in small interleaved steps.
///
/// SHA-NI's round instructions are latency-bound: one stream leaves the unit waiting on each round's result.
/// Hashing leaf j of every shard together, one 64-byte block of each in turn, puts independent dependency
/// chains next to each other in the out-of-order window, and some cores overlap them: about 2.6 GB/s instead of
/// 2.0 on an AMD EPYC (Zen 5), with the very same OpenSSL code. Others lose more to the extra calls than they
/// gain: an Intel Xeon at 2.8 GHz hashed 0.63 GB/s in 64-byte steps and 1.05 GB/s a whole leaf at a time. So
/// the step is measured once per process (`step`) and the faster kept; the IDs are the same either way. The
/// inner nodes (one per leaf, 65 bytes each) are then folded per shard. Every shard is hashed twice per byte of
/// plaintext at 4-of-8, so this is most of put's time.
///
/// Not thread-safe (it keeps its contexts): one per pipeline.
final class ShardHasher {
    /// Bytes fed to one context before moving to the next: one SHA-256 block (interleaved), or a whole leaf
    /// (one stream at a time), whichever hashed faster here: measured on first use, about 2 ms.
    static let step: Int = calibratedStep()

    private let digest: OpaquePointer
    private let contexts: UnsafeMutablePointer<OpaquePointer?>
    private let nodes = MerkleHasher()
    let capacity: Int

    /// A hasher for up to `capacity` shards at a time.
    init(capacity: Int) {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("OpenSSL has no SHA-256") }
        self.digest = digest
        self.capacity = capacity
        contexts = .allocate(capacity: capacity)
        for i in 0..<capacity {
            guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            contexts[i] = context
        }
    }

    deinit {
        for i in 0..<capacity { EVP_MD_CTX_free(contexts[i]) }
        contexts.deallocate()
        EVP_MD_free(digest)
    }

    /// The shard IDs of `count` consecutive shards of `length` bytes starting at `base`.
    func hash(contiguous base: UnsafeRawPointer, length: Int, count: Int) -> [Key256] {
        hash((0..<count).map { UnsafeRawBufferPointer(start: base + $0 * length, count: length) })
    }

    /// The shard IDs of shards of any lengths.
    func hash(_ shards: [UnsafeRawBufferPointer]) -> [Key256] {
        hash(shards, step: ShardHasher.step)
    }

    func hash(_ shards: [UnsafeRawBufferPointer], step: Int) -> [Key256] {
        precondition(shards.count <= capacity, "more shards than contexts")
        var leafHashes = shards.map { shard -> [Key256] in
            var hashes: [Key256] = []
            hashes.reserveCapacity(ShardCommitment.leafCount(shardLength: shard.count))
            return hashes
        }
        let leaves = shards.map { ShardCommitment.leafCount(shardLength: $0.count) }.max() ?? 0
        var prefix: UInt8 = 0
        for leaf in 0..<leaves {
            // Shards with this leaf, and where it lies in each.
            let active = shards.indices.filter { leaf < ShardCommitment.leafCount(shardLength: shards[$0].count) }
            let ranges = active.map { ShardCommitment.leafRange(leaf, shardLength: shards[$0].count) }
            for i in active {
                EVP_DigestInit_ex(contexts[i], digest, nil)
                EVP_DigestUpdate(contexts[i], &prefix, 1)
            }
            var offset = 0
            let longest = ranges.map(\.count).max() ?? 0
            while offset < longest {
                for (slot, i) in active.enumerated() where offset < ranges[slot].count {
                    let count = min(step, ranges[slot].count - offset)
                    EVP_DigestUpdate(contexts[i], shards[i].baseAddress! + ranges[slot].lowerBound + offset, count)
                }
                offset += step
            }
            for i in active { leafHashes[i].append(finish(i)) }
        }
        return leafHashes.indices.map { nodes.root(ofLeafHashes: &leafHashes[$0]) }
    }

    /// Times both steps over 8 shards of 64 KiB, best of three rounds each, and returns the faster.
    private static func calibratedStep() -> Int {
        let (count, length) = (8, 64 << 10)
        let hasher = ShardHasher(capacity: count)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: count * length, alignment: 64)
        defer { bytes.deallocate() }
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let shards = (0..<count).map { UnsafeRawBufferPointer(rebasing: bytes[($0 * length)..<(($0 + 1) * length)]) }
        let candidates = [64, ShardCommitment.leafSize]
        let clock = ContinuousClock()
        let times = candidates.map { step in
            (0..<3).map { _ in clock.measure { _ = hasher.hash(shards, step: step) } }.min()!
        }
        return times[0] < times[1] ? candidates[0] : candidates[1]
    }

    private func finish(_ i: Int) -> Key256 {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            var written: UInt32 = 0
            EVP_DigestFinal_ex(contexts[i], out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written)
            return Key256(loadingBigEndian: UnsafeRawPointer(out.baseAddress!))
        }
    }
}

extension Key256 {
    /// Reads 32 big-endian bytes at `pointer`.
    init(loadingBigEndian pointer: UnsafeRawPointer) {
        self.init(w0: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                  w1: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }
}
